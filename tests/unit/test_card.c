/*
 * test_card.c - the skill card's text (src/moderation/card.c): ClawHub's sections in
 * ClawHub's order, each risk the scanners found named with its rule, file and line, user
 * text that cannot open a section of its own, and the buffer's ceiling.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "moderation/card.h"

static const char *const sections[] = {
	"## Description:\n",  "## Publisher:\n",        "### License/Terms of Use:\n", "## Use Case:\n",
	"### Deployment Geography for Use:\n", "## Known Risks and Mitigations:\n", "## Reference(s):\n",
	"## Skill Output:\n", "## Skill Version(s):\n", "## Ethical Considerations:\n",
};

static void test_sections_in_order(void **state)
{
	(void)state;
	sr_card_input in = {"demo", "Demo", "Formats tables.", "alice", "Alice A.", "1.2.3", SR_VERDICT_CLEAN, NULL, 0};
	sr_buf b;
	sr_buf_init(&b, SR_CARD_MAX_BYTES);
	assert_int_equal(sr_card_render(&in, &b), 0);
	const char *at = b.data;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		const char *p = strstr(at, sections[i]);
		if (!p)
			fail_msg("missing or out of order: %s\n%s", sections[i], b.data);
		at = p + 1;
	}
	assert_non_null(strstr(b.data, "## Description:\n\nFormats tables.\n"));
	assert_non_null(strstr(b.data, "## Publisher:\n\n[Alice A.](/alice) (@alice)\n"));
	assert_non_null(strstr(b.data, "rated this version clean."));
	/* No finding: the general risk and its mitigation. */
	assert_non_null(strstr(b.data, "Risk: A skill's instructions run with the permissions"));
	assert_non_null(strstr(b.data, "## Skill Version(s):\n\n1.2.3\n"));
	sr_buf_deinit(&b);
}

static void test_risks_and_user_text(void **state)
{
	(void)state;
	sr_card_risk risks[] = {{"pipe-to-shell", "Downloads a script into a shell", "SKILL.md", 10},
				{"bare-ip", "", "scripts/run.sh", 0}};
	/* A summary with line breaks cannot start a heading of its own. */
	sr_card_input in = {"demo", "Demo", "Line one\n## Publisher:\nfake", "bob", NULL, "2.0.0", SR_VERDICT_SUSPICIOUS,
			    risks, 2};
	sr_buf b;
	sr_buf_init(&b, SR_CARD_MAX_BYTES);
	assert_int_equal(sr_card_render(&in, &b), 0);
	assert_non_null(strstr(b.data, "Line one ## Publisher: fake"));
	const char *first = strstr(b.data, "## Publisher:\n");
	assert_non_null(first);
	assert_null(strstr(first + 1, "## Publisher:\n"));
	assert_non_null(strstr(b.data, "[bob](/bob) (@bob)"));
	assert_non_null(strstr(b.data, "rated this version suspicious."));
	assert_non_null(strstr(b.data, "Risk: Downloads a script into a shell (rule pipe-to-shell in SKILL.md, line 10).\n\n"
				       "Mitigation: Read that part of the skill"));
	/* No title: the rule names the risk; no line: none given. */
	assert_non_null(strstr(b.data, "Risk: bare-ip (rule bare-ip in scripts/run.sh)."));
	assert_null(strstr(b.data, "Risk: A skill's instructions"));
	sr_buf_deinit(&b);
}

static void test_ceiling(void **state)
{
	(void)state;
	sr_card_input in = {"demo", "Demo", "Formats tables.", "alice", "Alice", "1.0.0", SR_VERDICT_CLEAN, NULL, 0};
	sr_buf b;
	sr_buf_init(&b, 200);
	assert_int_equal(sr_buf_puts(&b, "kept"), 0);
	assert_int_equal(sr_card_render(&in, &b), SR_ETOOBIG);
	/* What was there before stays, nothing of the card. */
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "kept");
	sr_buf_deinit(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections_in_order),
		cmocka_unit_test(test_risks_and_user_text),
		cmocka_unit_test(test_ceiling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
