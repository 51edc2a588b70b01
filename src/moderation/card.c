/*
 * card.c - the skill card's text and its write after a scan (card.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "moderation/card.h"
#include "registry/modstate.h"

/* One line of user text (a name, a summary, a path): line breaks and other control
 * characters become spaces, so the text cannot open a heading or a section of its own. */
static int put_line(sr_buf *b, const char *s)
{
	int rc = 0;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && !rc; p++)
		rc = sr_buf_putc(b, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
	return rc;
}

static int put_risks(sr_buf *b, const sr_card_input *in)
{
	int rc = 0;
	if (in->nrisks == 0)
		return sr_buf_puts(b, "\nRisk: A skill's instructions run with the permissions of the agent that loads them, "
				      "and no scanner sees every way they can go wrong.\n\n"
				      "Mitigation: Read SKILL.md and the files it names before installing, and give the agent "
				      "no more access than the skill needs.\n\n");
	for (int i = 0; i < in->nrisks && !rc; i++) {
		const sr_card_risk *r = &in->risks[i];
		rc = sr_buf_puts(b, "\nRisk: ");
		if (!rc)
			rc = put_line(b, r->title && r->title[0] ? r->title : r->rule_id);
		if (!rc)
			rc = sr_buf_printf(b, " (rule %s", r->rule_id);
		if (!rc && r->path && r->path[0]) {
			rc = sr_buf_puts(b, " in ");
			if (!rc)
				rc = put_line(b, r->path);
			if (!rc && r->line > 0)
				rc = sr_buf_printf(b, ", line %d", r->line);
		}
		if (!rc)
			rc = sr_buf_puts(b, ").\n\nMitigation: Read that part of the skill and decide whether it is needed "
					    "before an agent runs it.\n");
	}
	return rc ? rc : sr_buf_putc(b, '\n');
}

int sr_card_render(const sr_card_input *in, sr_buf *out)
{
	size_t start = out->len;
	const char *owner_name = in->owner_display_name && in->owner_display_name[0] ? in->owner_display_name
										      : in->owner_handle;
	int has_summary = in->summary && in->summary[0];
	int rc = sr_buf_puts(out, "## Description:\n\n");
	if (!rc)
		rc = put_line(out, has_summary ? in->summary : in->display_name);
	if (!rc)
		rc = sr_buf_puts(out, "\n\nEvery skill on this registry is published under MIT-0, so this skill may be used "
				      "for commercial and non-commercial work.\n\n## Publisher:\n\n[");
	if (!rc)
		rc = put_line(out, owner_name);
	if (!rc)
		rc = sr_buf_printf(out, "](/%s) (@%s)\n\n### License/Terms of Use:\n\nMIT-0 (MIT No Attribution)\n\n"
					"## Use Case:\n\n",
				   in->owner_handle, in->owner_handle);
	if (!rc)
		rc = sr_buf_printf(out, "An agent that loads `%s` follows the instructions in its SKILL.md", in->slug);
	if (!rc && has_summary) {
		rc = sr_buf_puts(out, ": ");
		if (!rc)
			rc = put_line(out, in->summary);
	}
	if (!rc)
		rc = sr_buf_puts(out, "\n\n### Deployment Geography for Use:\n\nAny: the registry sets no regional limit.\n\n"
				      "## Known Risks and Mitigations:\n");
	if (!rc)
		rc = sr_buf_printf(out, "\nThe registry's scanners rated this version %s.\n",
				   sr_verdict_name(in->verdict) ? sr_verdict_name(in->verdict) : "unknown");
	if (!rc)
		rc = put_risks(out, in);
	if (!rc)
		rc = sr_buf_printf(out, "## Reference(s):\n\n- [The skill on this registry](/%s/%s)\n\n", in->owner_handle,
				   in->slug);
	if (!rc)
		rc = sr_buf_puts(out, "## Skill Output:\n\n**Output Type(s):** [Text]\n\n"
				      "**Output Format:** [Markdown instructions that an agent follows]\n\n"
				      "**Output Parameters:** [None]\n\n"
				      "**Other Properties Related to Output:** [None stated by the publisher]\n\n"
				      "## Skill Version(s):\n\n");
	if (!rc)
		rc = put_line(out, in->version);
	if (!rc)
		rc = sr_buf_puts(out, "\n\n## Ethical Considerations:\n\nWhoever installs this skill decides whether it suits "
				      "their setting: check what it changes or produces before relying on it, and hold it to "
				      "their own organisation's safety, security and compliance rules.\n");
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return rc;
}

/* ---- the write after a scan ---- */

struct card_skill {
	int found;
	int64_t owner_id;
	char slug[100], name[256], *summary;
};

static int take_skill(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct card_skill *c = ud;
	c->found = 1;
	c->owner_id = r->owner_id;
	snprintf(c->slug, sizeof(c->slug), "%s", r->slug);
	snprintf(c->name, sizeof(c->name), "%s", r->display_name ? r->display_name : r->slug);
	c->summary = strdup(r->summary ? r->summary : "");
	return 1;
}

/* The risks: the first finding of each distinct rule, copied out of the rows. */
struct card_risks {
	sr_card_risk risk[SR_CARD_MAX_RISKS];
	char text[SR_CARD_MAX_RISKS][3][520];
	int n;
};

static int take_finding(void *ud, const void *row)
{
	const sr_finding_row *f = row;
	struct card_risks *r = ud;
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->risk[i].rule_id, f->rule_id) == 0)
			return 0;
	if (r->n == SR_CARD_MAX_RISKS)
		return 1;
	char(*t)[520] = r->text[r->n];
	snprintf(t[0], sizeof(t[0]), "%s", f->rule_id);
	snprintf(t[1], sizeof(t[1]), "%s", f->title ? f->title : "");
	snprintf(t[2], sizeof(t[2]), "%s", f->path ? f->path : "");
	r->risk[r->n] = (sr_card_risk){t[0], t[1], t[2], f->line};
	r->n++;
	return 0;
}

int sr_card_write(sr_store *s, int64_t skill_id, int64_t version_id, int64_t now)
{
	struct card_skill sk = {0};
	sr_version_scan vs;
	sr_user owner;
	struct card_risks *risks = calloc(1, sizeof(*risks));
	sr_buf b;
	sr_buf_init(&b, SR_CARD_MAX_BYTES);
	int rc = risks ? 0 : SR_ENOMEM;
	if (!rc)
		rc = sr_store_skill_by_id(s, skill_id, take_skill, &sk);
	if (!rc && (!sk.found || !sk.summary))
		rc = sk.found ? SR_ENOMEM : SR_ENOTFOUND;
	if (!rc)
		rc = sr_store_user_by_id(s, sk.owner_id, &owner);
	if (!rc)
		rc = sr_store_version_scan_get(s, version_id, &vs);
	/* The findings to name, at most a few hundred rows however many rules fired. */
	if (!rc)
		rc = sr_store_scan_findings(s, version_id, SR_CARD_MAX_RISKS * 16, take_finding, risks);
	if (!rc) {
		sr_card_input in = {sk.slug, sk.name, sk.summary, owner.handle, owner.display_name, vs.version,
				    vs.verdict, risks->risk, risks->n};
		rc = sr_card_render(&in, &b);
	}
	if (!rc) {
		char sha[65];
		sr_sha256_hex(b.data, b.len, sha);
		rc = sr_store_card_put(s, version_id, sha, b.data, (int64_t)b.len, now);
	}
	sr_buf_deinit(&b);
	free(sk.summary);
	free(risks);
	return rc;
}
