/*
 * test_search_rank.c - search keeps what ranks first even when many weaker matches exist.
 *
 * Each full-text stage ranks a bounded window of matches, so a common word can fill the
 * candidates before every good match has been seen. Here 45 skills mention "pdf" only in their
 * summary, and two carry it in their names: `pdf-table-extract` (a whole word of the slug) and
 * `pdfkit` (a word starting with it). With a page of 10 both must still come first, above every
 * summary-only match, as ClawHub orders names before summaries.
 *
 * Then the word index's reading of a query (docs/search.md): words joined by OR (a query with
 * words no skill holds still finds the skill that holds the rest), more of the words matched
 * ranks higher, a misspelt word finds its neighbour, the last word is read as a prefix, an
 * exact name comes first, and a deleted skill is left out although its postings remain.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

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

static void test_names_outrank_summaries(void **state)
{
	(void)state;
	for (int i = 0; i < 45; i++)
		srt_publish_ok(&S, i % 2 ? S.tok_alice : S.tok_bob, srt_fmt("doc-tool-%02d", i), "1.0.0",
			       srt_fmt("Doc Tool %d", i), "Converts pdf files into plain text for the agent.");
	srt_publish_ok(&S, S.tok_alice, "pdf-table-extract", "1.0.0", "PDF Table Extract",
		       "Pulls tables out of documents.");
	srt_publish_ok(&S, S.tok_bob, "pdfkit", "1.0.0", "Pdfkit", "Builds documents.");
	for (int round = 0; round < 2; round++) {
		/* The second round is answered by the response cache; both must agree. */
		srt_resp r;
		srt_get(&S, "/api/v1/search?q=pdf&limit=10", NULL, &r);
		json_t *j = SRT_EXPECT_JSON(&r, 200);
		json_t *res = json_object_get(j, "results");
		assert_int_equal(json_array_size(res), 10);
		int seen_table = 0, seen_kit = 0;
		for (size_t i = 0; i < 2; i++) {
			const char *slug = json_string_value(json_object_get(json_array_get(res, i), "slug"));
			seen_table |= slug && strcmp(slug, "pdf-table-extract") == 0;
			seen_kit |= slug && strcmp(slug, "pdfkit") == 0;
		}
		if (!seen_table || !seen_kit) {
			print_error("the two name matches are not the first two results: %s\n", r.body);
			fail();
		}
		/* The whole-word match ranks above the prefix match. */
		SRT_EXPECT_STR(json_array_get(res, 0), "slug", "pdf-table-extract");
		json_decref(j);
		srt_resp_free(&r);
	}
}

/* The slugs of GET /api/v1/search?q=query&limit=10, space-separated, into out. */
static void slugs_of(const char *query, char *out, size_t n)
{
	srt_resp r;
	srt_get(&S, srt_fmt("/api/v1/search?q=%s&limit=10", srt_urlenc(query)), NULL, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	json_t *res = json_object_get(j, "results");
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < json_array_size(res) && o + 1 < n; i++) {
		const char *slug = json_string_value(json_object_get(json_array_get(res, i), "slug"));
		int m = snprintf(out + o, n - o, "%s%s", i ? " " : "", slug ? slug : "?");
		o = m < 0 || (size_t)m >= n - o ? n - 1 : o + (size_t)m;
	}
	json_decref(j);
	srt_resp_free(&r);
}

/* The first slug of a search is `first`. */
static void expect_first(const char *query, const char *first)
{
	char got[2048];
	slugs_of(query, got, sizeof(got));
	size_t n = strlen(first);
	if (strncmp(got, first, n) != 0 || (got[n] != ' ' && got[n] != '\0')) {
		print_error("search %s: want %s first, got: %s\n", query, first, got);
		fail();
	}
}

static void test_words(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "daily-notes-keeper", "1.0.0", "Obsidian Daily Notes",
		       "Manage Obsidian daily notes from the agent.");
	srt_publish_ok(&S, S.tok_bob, "vault-sync", "1.0.0", "Vault Sync", "Syncs an Obsidian vault to git.");
	srt_publish_ok(&S, S.tok_bob, "journal-tool", "1.0.0", "Journal Tool", "Writes daily journal entries.");
	/* Every word in one skill; words no skill holds do not empty the answer. */
	expect_first("obsidian daily notes", "daily-notes-keeper");
	expect_first("please write my obsidian daily notes tomorrow", "daily-notes-keeper");
	/* Two of the words beat one. */
	expect_first("daily notes", "daily-notes-keeper");
	/* A misspelt word, a word being typed, a stem. */
	expect_first("obsidan daily", "daily-notes-keeper");
	expect_first("journl", "journal-tool");
	expect_first("vault syn", "vault-sync");
	expect_first("syncing vaults", "vault-sync");
	/* The exact name first, although another skill holds the words too. */
	expect_first("vault sync", "vault-sync");
	/* A deleted skill keeps its postings and is left out all the same. */
	srt_resp r;
	srt_send(&S, "DELETE", "/api/v1/skills/journal-tool", S.tok_bob, NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	char got[2048];
	slugs_of("journal entries", got, sizeof(got));
	if (strstr(got, "journal-tool")) {
		print_error("a deleted skill is found: %s\n", got);
		fail();
	}
}

/* Publishes slug@version with this SKILL.md body under a fixed frontmatter. */
static void publish_body(const char *slug, const char *version, const char *name, const char *summary,
			 const char *body)
{
	const char *md = srt_fmt("---\nname: %s\ndescription: %s\n---\n\n%s", name, summary, body);
	json_t *p = srt_payload(slug, version);
	json_object_set_new(p, "displayName", json_string(name));
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	srt_resp r;
	srt_publish_json(&S, S.tok_alice, p, &f, 1, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	json_decref(p);
}

static void expect_none(const char *query)
{
	char got[2048];
	slugs_of(query, got, sizeof(got));
	if (got[0]) {
		print_error("search %s: want nothing, got: %s\n", query, got);
		fail();
	}
}

/* SKILL.md's body is indexed below the name and the summary (docs/search.md): its prose, not
 * its code blocks or link addresses; the latest version's body, kept through a rename. */
static void test_body(void **state)
{
	(void)state;
	publish_body("call-notes", "1.0.0", "Call Notes", "Keeps notes of calls.",
		     "# Call Notes\n\nPulls the transcripts of your meetings from Otterly and files them.\n\n"
		     "```bash\nzebrafrob --all\n```\n\nSee [the docs](https://example.com/quuxpage) for more.\n");
	srt_publish_ok(&S, S.tok_bob, "otterly-helper", "1.0.0", "Otterly Helper", "Works with Otterly accounts.");
	/* A word of the body alone finds the skill; the name outranks the body. */
	expect_first("meeting transcripts", "call-notes");
	expect_first("otterly", "otterly-helper");
	char got[2048];
	slugs_of("otterly", got, sizeof(got));
	if (!strstr(got, "call-notes")) {
		print_error("a body word does not find its skill: %s\n", got);
		fail();
	}
	/* Code blocks and link addresses say how, not what: not indexed. */
	expect_none("zebrafrob");
	expect_none("quuxpage");
	/* A version that does not become the latest leaves the body; the new latest's replaces it. */
	publish_body("call-notes", "0.9.0", "Call Notes", "Keeps notes of calls.", "Talks to the walrusdb.\n");
	expect_none("walrusdb");
	publish_body("call-notes", "2.0.0", "Call Notes", "Keeps notes of calls.", "Files recordings in narwhaldb.\n");
	expect_first("narwhaldb", "call-notes");
	expect_none("transcripts");
	/* A rename writes the index again, body included. */
	srt_resp r;
	srt_send(&S, "POST", "/api/v1/skills/call-notes/rename", S.tok_alice, "{\"newSlug\":\"call-notes-two\"}", &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	expect_first("narwhaldb", "call-notes-two");
}

/* True when slug is among the first ten of a search. */
static int found(const char *query, const char *slug)
{
	char got[2048], pad[128];
	slugs_of(query, got, sizeof(got));
	snprintf(pad, sizeof(pad), " %s ", slug);
	char all[2100];
	snprintf(all, sizeof(all), " %s ", got);
	return strstr(all, pad) != NULL;
}

/* Typo readings and the vocabulary's titled count: a word of bodies only brings no typo keys
 * (a typo is corrected to words of names, slugs and summaries); once a name holds it, its
 * keys are written, and a body holding it is found through them too. A word one skill holds
 * stays rare however many times that skill is indexed again (versions, renames), so its typo
 * neighbours are still read. */
static void test_titled(void **state)
{
	(void)state;
	publish_body("feed-reader-z", "1.0.0", "Feed Reader Z", "Reads feeds.",
		     "Works with the zephyrine feed format.\n");
	expect_none("zephirine");
	srt_publish_ok(&S, S.tok_bob, "zephyrine-tools", "1.0.0", "Zephyrine Tools", "Converts feeds.");
	expect_first("zephirine", "zephyrine-tools");
	assert_true(found("zephirine", "feed-reader-z"));

	srt_publish_ok(&S, S.tok_bob, "invoce-helper", "1.0.0", "Invoce Helper", "Helps with bills.");
	srt_publish_ok(&S, S.tok_bob, "invoce-helper", "1.1.0", "Invoce Helper", "Helps with bills.");
	srt_publish_ok(&S, S.tok_alice, "invoice-tools", "1.0.0", "Invoice Tools", "Makes bills.");
	expect_first("invoce", "invoce-helper");
	assert_true(found("invoce", "invoice-tools"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_outrank_summaries),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_titled),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
