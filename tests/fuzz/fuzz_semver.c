/*
 * fuzz_semver.c - versions (src/registry/semver.c): validation and precedence.
 *
 * Input: up to three strings separated by NUL bytes. Precedence must be a total preorder:
 * reflexive, antisymmetric in sign, transitive, and sr_semver_cmp_str must agree with it.
 */
#include "fuzz.h"
#include "registry/semver.h"

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_cstr(data, size);
	const char *s[3] = {buf, "", ""};
	size_t at = strlen(buf) + 1;
	for (int i = 1; i < 3 && at <= size; i++) {
		s[i] = buf + at;
		at += strlen(s[i]) + 1;
	}
	sr_semver v[3];
	int ok[3];
	for (int i = 0; i < 3; i++) {
		ok[i] = sr_semver_parse(s[i], &v[i]) == 0;
		FUZZ_CHECK(ok[i] == (sr_semver_parse(s[i], NULL) == 0));
		if (ok[i]) {
			size_t n = strlen(s[i]);
			FUZZ_CHECK(!v[i].pre || (v[i].pre >= s[i] && v[i].pre + v[i].pre_len <= s[i] + n));
			FUZZ_CHECK(!v[i].build || (v[i].build >= s[i] && v[i].build + v[i].build_len <= s[i] + n));
			FUZZ_CHECK(sr_semver_cmp(&v[i], &v[i]) == 0);
		}
	}
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			int c = sr_semver_cmp_str(s[i], s[j]);
			FUZZ_CHECK(sign(c) == -sign(sr_semver_cmp_str(s[j], s[i])));
			if (ok[i] && ok[j])
				FUZZ_CHECK(sign(c) == sign(sr_semver_cmp(&v[i], &v[j])));
			else if (ok[i] != ok[j])
				FUZZ_CHECK(sign(c) == (ok[i] ? 1 : -1));
		}
	if (ok[0] && ok[1] && ok[2]) {
		int ab = sr_semver_cmp(&v[0], &v[1]), bc = sr_semver_cmp(&v[1], &v[2]);
		if (ab <= 0 && bc <= 0)
			FUZZ_CHECK(sr_semver_cmp(&v[0], &v[2]) <= 0);
	}
	free(buf);
	return 0;
}
