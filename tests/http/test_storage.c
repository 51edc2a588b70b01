/*
 * test_storage.c - storage under pressure (issue 16): a full disk answers a publish and an
 * upload with 507 and a clear text, and the server publishes again once space returns.
 *
 * The disk is real: a small tmpfs this test mounts (it runs as root, as CI does) and removes.
 * With SQLite it is mounted over the server's blob directory; with PostgreSQL it holds a
 * tablespace the `blobs` table is moved to, so the database's own write fails with
 * disk_full. The test fills it with a file, publishes, removes the file and publishes again.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static srt_server S;

static int group_setup(void **state)
{
	(void)state;
	return srt_server_start(&S);
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

/* The full disk: where it is mounted and the file that fills it. */
struct disk {
	char mnt[512], filler[600];
	int mounted, tablespace;
};

static struct disk D;

/* Mounts a 24 MiB tmpfs at d->mnt (SQLite: over the blob directory; PostgreSQL: a new
 * directory that becomes the blobs table's tablespace). */
static void disk_mount(struct disk *d)
{
	if (srt_db_postgres()) {
		snprintf(d->mnt, sizeof d->mnt, "%s-ts", S.dir);
		assert_int_equal(mkdir(d->mnt, 0700), 0);
	} else {
		snprintf(d->mnt, sizeof d->mnt, "%s/blobs", S.dir);
		mkdir(d->mnt, 0755);
	}
	if (mount("tmpfs", d->mnt, "tmpfs", 0, "size=24m") != 0) {
		print_error("mount tmpfs on %s: %s (the test runs as root)\n", d->mnt, strerror(errno));
		fail();
	}
	d->mounted = 1;
	if (srt_db_postgres()) {
		/* The cluster runs as nobody (scripts/pg-test-cluster). */
		struct passwd *pw = getpwnam("nobody");
		assert_non_null(pw);
		assert_int_equal(chown(d->mnt, pw->pw_uid, pw->pw_gid), 0);
		assert_int_equal(chmod(d->mnt, 0700), 0);
		assert_true(srt_sql(&S, srt_fmt("CREATE TABLESPACE srt_full LOCATION '%s'", d->mnt)) >= 0);
		d->tablespace = 1;
		assert_true(srt_sql(&S, "ALTER TABLE blobs SET TABLESPACE srt_full") >= 0);
	}
	snprintf(d->filler, sizeof d->filler, "%s/filler", d->mnt);
}

/* Writes zeros to the filler until the file system has no room left. */
static void disk_fill(struct disk *d)
{
	int fd = open(d->filler, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	static char zeros[65536];
	while (write(fd, zeros, sizeof zeros) > 0)
		;
	assert_int_equal(errno, ENOSPC);
	/* The last partial block too. */
	while (write(fd, zeros, 512) > 0)
		;
	close(fd);
}

/* Undoes disk_mount, whatever the test got to (the teardown of every test). */
static int disk_unmount(void **state)
{
	(void)state;
	struct disk *d = &D;
	int rc = 0;
	if (d->filler[0])
		unlink(d->filler);
	if (d->tablespace && (srt_sql(&S, "ALTER TABLE blobs SET TABLESPACE pg_default") < 0 ||
			      srt_sql(&S, "DROP TABLESPACE srt_full") < 0))
		rc = -1;
	/* Detached at once: a file the server or the database still holds open keeps the
	 * file system alive until it is closed, out of every path. */
	if (d->mounted && umount2(d->mnt, MNT_DETACH) != 0) {
		fprintf(stderr, "umount %s: %s\n", d->mnt, strerror(errno));
		rc = -1;
	}
	if (srt_db_postgres() && d->mnt[0])
		rmdir(d->mnt);
	memset(d, 0, sizeof(*d));
	return rc;
}

#define NO_SPACE "Insufficient storage: the registry's storage is full. Nothing was published; try again later."

/* A multipart publish of SKILL.md and 1 MiB of bytes unlike any other publish's. */
static void publish_mb(const char *slug, const char *version, int seed, srt_resp *r)
{
	static char data[1u << 20];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)((i * 2654435761u + (unsigned)seed * 40503u) >> 13);
	char payload[256];
	snprintf(payload, sizeof payload,
		 "{\"slug\":\"%s\",\"displayName\":\"Disk\",\"version\":\"%s\",\"changelog\":\"\","
		 "\"acceptLicenseTerms\":true}",
		 slug, version);
	const char *md = srt_skill_md("Disk", "Written to a full disk.");
	srt_file f[2] = {{"SKILL.md", md, strlen(md), "text/markdown"}, {"data.bin", data, sizeof data, NULL}};
	srt_publish_multipart(&S, S.tok_alice, payload, f, 2, r);
}

static void test_disk_full(void **state)
{
	(void)state;
	struct disk *d = &D;
	disk_mount(d);
	disk_fill(d);
	srt_resp r;
	publish_mb("full-disk", "1.0.0", 1, &r);
	SRT_EXPECT_TEXT(&r, 507, NO_SPACE);
	srt_resp_free(&r);
	/* The ticket flow's upload too. */
	static char bytes[512 * 1024];
	memset(bytes, 'q', sizeof bytes);
	char sha[65];
	srt_sha256_hex(bytes, sizeof bytes, sha);
	srt_upload_url(&S, S.tok_alice, "big.txt", (long long)sizeof bytes, sha, "text/plain", &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	const char *url = json_string_value(json_object_get(j, "uploadUrl"));
	assert_non_null(url);
	char *upload = strdup(url);
	json_decref(j);
	srt_resp_free(&r);
	const char *h[] = {srt_fmt("Authorization: Bearer %s", S.tok_alice), "Content-Type: text/plain", NULL};
	srt_request(&S, "POST", upload, h, bytes, sizeof bytes, &r);
	SRT_EXPECT_TEXT(&r, 507, NO_SPACE);
	srt_resp_free(&r);
	/* Nothing half-published, and the server still answers. */
	srt_get(&S, "/api/v1/skills/full-disk", NULL, &r);
	SRT_EXPECT_STATUS(&r, 404);
	srt_resp_free(&r);
	srt_get(&S, "/healthz", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	/* Space returns: the same publish and the same upload go through. */
	assert_int_equal(unlink(d->filler), 0);
	publish_mb("full-disk", "1.0.0", 1, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_request(&S, "POST", upload, h, bytes, sizeof bytes, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	free(upload);
	srt_get(&S, "/api/v1/download?slug=full-disk&version=1.0.0", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_disk_full, disk_unmount),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
