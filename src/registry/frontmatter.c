/*
 * frontmatter.c - the YAML frontmatter of a SKILL.md; see frontmatter.h.
 *
 * The block is read with libyaml's event parser rather than its document loader so that the
 * ceilings (depth, node count) stop the work as soon as they are passed, and so that an
 * alias can be refused the moment it appears instead of being expanded later. The events
 * are turned straight into a jansson tree; everything the registry keeps (name,
 * description, the platform metadata, the whole frontmatter as JSON) is then read from
 * that tree, which is the same shape whether the author wrote block YAML, flow YAML or a
 * JSON string.
 */
#include "registry/frontmatter.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <yaml.h>

#include "core/err.h"
#include "core/util.h"

/* The ceilings of frontmatter.h. A SKILL.md header is a few hundred bytes in practice;
 * these leave room for generous metadata while keeping a hostile upload cheap. */
#define FM_MAX_BYTES (64 * 1024)
#define FM_MAX_DEPTH 32
#define FM_MAX_NODES 10000

#define FM_JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

static void set_err(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
	if (!err || errsz == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* True when [s, s+n) is a delimiter line: exactly "---" or "...", with the "\r" of a CRLF
 * ending already counted in n. */
static int is_fence(const char *s, size_t n, int allow_dots)
{
	if (n == 4 && s[3] == '\r')
		n = 3;
	if (n != 3)
		return 0;
	return memcmp(s, "---", 3) == 0 || (allow_dots && memcmp(s, "...", 3) == 0);
}

/*
 * Finds the YAML block. *blk is left NULL when the document has no frontmatter. The block
 * runs from the line after the opening fence to the start of the closing fence, so it keeps
 * the newline of its last line, which YAML wants.
 */
static int find_block(const char *md, size_t len, const char **blk, size_t *blen, char *err,
		      size_t errsz)
{
	const char *p = md;
	const char *end = md + len;

	*blk = NULL;
	*blen = 0;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;

	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t first = nl ? (size_t)(nl - p) : (size_t)(end - p);
	if (!is_fence(p, first, 0))
		return 0;
	if (!nl) {
		set_err(err, errsz, "SKILL.md frontmatter is not closed");
		return SR_EINVAL;
	}

	/* A closing fence must start within FM_MAX_BYTES of the body and is at most five
	 * bytes long ("---\r\n"), so nothing past that window is ever looked at: a long
	 * document whose opening fence never closes costs no more than a short one. */
	const char *body = nl + 1;
	const char *limit = end;
	if ((size_t)(end - body) > FM_MAX_BYTES + 5)
		limit = body + FM_MAX_BYTES + 5;
	const char *line = body;
	int too_big = limit < end;
	while (line < limit) {
		if ((size_t)(line - body) > FM_MAX_BYTES) {
			too_big = 1;
			break;
		}
		nl = memchr(line, '\n', (size_t)(limit - line));
		if (!nl && limit < end)
			break;
		size_t n = nl ? (size_t)(nl - line) : (size_t)(limit - line);
		if (is_fence(line, n, 1)) {
			*blk = body;
			*blen = (size_t)(line - body);
			return 0;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	if (too_big) {
		set_err(err, errsz, "SKILL.md frontmatter is larger than %d bytes", FM_MAX_BYTES);
		return SR_ETOOBIG;
	}
	set_err(err, errsz, "SKILL.md frontmatter is not closed");
	return SR_EINVAL;
}

size_t sr_frontmatter_body_offset(const char *md, size_t len)
{
	const char *blk;
	size_t blen;
	char err[8];
	if (find_block(md, len, &blk, &blen, err, sizeof(err)) || !blk)
		return 0;
	/* The closing fence starts where the block ends; the body starts after its line. */
	const char *fence = blk + blen;
	const char *nl = memchr(fence, '\n', len - (size_t)(fence - md));
	return nl ? (size_t)(nl + 1 - md) : len;
}

/* ---- YAML events to a jansson tree ---- */

struct frame {
	json_t *node; /* borrowed: the parent (or the root slot) holds the reference */
	char *key;    /* for a mapping, the key waiting for its value; NULL when a key is due */
};

struct builder {
	struct frame stack[FM_MAX_DEPTH];
	int depth;
	size_t nodes;
	int docs;
	json_t *root;
	char *err;
	size_t errsz;
};

static int all_digits(const char *s, size_t n, const char *set)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr(set, s[i]))
			return 0;
	return 1;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, the YAML 1.2 core schema float
 * without the .inf/.nan forms, which JSON cannot carry. */
static int is_core_float(const char *s, size_t n)
{
	size_t i = 0, digits = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		i++;
		digits++;
	}
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			i++;
			digits++;
		}
	}
	if (digits == 0)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		size_t exp = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			i++;
			exp++;
		}
		if (exp == 0)
			return 0;
	}
	return i == n;
}

/* An integer that does not fit json_int_t still is a number to YAML, so it becomes a real,
 * as it would in a JavaScript reader. */
static json_t *number_or_string(const char *s, size_t n, int base, size_t skip)
{
	errno = 0;
	char *endp;
	long long v = strtoll(s + skip, &endp, base);
	if (errno == 0 && endp == s + n)
		return json_integer((json_int_t)v);
	if (base == 10) {
		double d = strtod(s, &endp);
		if (endp == s + n && isfinite(d))
			return json_real(d);
	}
	return json_stringn(s, n);
}

/*
 * The value of a scalar. Only plain, untagged scalars are resolved (YAML 1.2 core schema:
 * null, booleans, integers, floats); a quoted or explicitly tagged scalar always stays a
 * string because the author asked for the text as written.
 */
static json_t *scalar_value(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || ev->data.scalar.tag)
		return json_stringn(s, n);
	if (n == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	    strcmp(s, "NULL") == 0)
		return json_null();
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0)
		return json_true();
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0)
		return json_false();

	size_t sign = (s[0] == '-' || s[0] == '+') ? 1 : 0;
	if (all_digits(s + sign, n - sign, "0123456789"))
		return number_or_string(s, n, 10, 0);
	if (n > 2 && s[0] == '0' && s[1] == 'x' && all_digits(s + 2, n - 2, "0123456789abcdefABCDEF"))
		return number_or_string(s, n, 16, 2);
	if (n > 2 && s[0] == '0' && s[1] == 'o' && all_digits(s + 2, n - 2, "01234567"))
		return number_or_string(s, n, 8, 2);
	if (is_core_float(s, n))
		return number_or_string(s, n, 10, 0);
	return json_stringn(s, n);
}

/* Hands v (a new reference) to the collection on top of the stack, or makes it the root. */
static int attach(struct builder *b, json_t *v)
{
	if (!v)
		return SR_ENOMEM;
	if (b->depth == 0) {
		b->root = v;
		return 0;
	}
	struct frame *f = &b->stack[b->depth - 1];
	if (json_is_array(f->node)) {
		if (json_array_append_new(f->node, v) < 0)
			return SR_ENOMEM;
		return 0;
	}
	/* Duplicate keys are an error in YAML, and silently keeping one of the two values
	 * would let the stored JSON disagree with what another reader of the file sees. */
	if (json_object_get(f->node, f->key)) {
		set_err(b->err, b->errsz, "duplicate key '%s' in SKILL.md frontmatter", f->key);
		json_decref(v);
		return SR_EINVAL;
	}
	int rc = json_object_set_new(f->node, f->key, v) < 0 ? SR_ENOMEM : 0;
	free(f->key);
	f->key = NULL;
	return rc;
}

static int expecting_key(const struct builder *b)
{
	if (b->depth == 0)
		return 0;
	const struct frame *f = &b->stack[b->depth - 1];
	return json_is_object(f->node) && !f->key;
}

static int push(struct builder *b, json_t *coll)
{
	if (!coll)
		return SR_ENOMEM;
	if (b->depth == FM_MAX_DEPTH) {
		json_decref(coll);
		set_err(b->err, b->errsz, "SKILL.md frontmatter is nested deeper than %d levels",
			FM_MAX_DEPTH);
		return SR_ETOOBIG;
	}
	int rc = attach(b, coll);
	if (rc)
		return rc;
	b->stack[b->depth].node = coll;
	b->stack[b->depth].key = NULL;
	b->depth++;
	return 0;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;

	/* jansson keys and the C strings handed out are NUL-terminated, so a "\0" escape would
	 * silently cut a value short; refusing it keeps what is stored what was written. */
	if (memchr(s, '\0', n)) {
		set_err(b->err, b->errsz, "SKILL.md frontmatter holds a NUL character");
		return SR_EINVAL;
	}
	if (expecting_key(b)) {
		char *key = malloc(n + 1);
		if (!key)
			return SR_ENOMEM;
		memcpy(key, s, n);
		key[n] = '\0';
		b->stack[b->depth - 1].key = key;
		return 0;
	}
	return attach(b, scalar_value(ev));
}

/* Applies one event to the tree. Returns 1 at the end of the stream. */
static int on_event(struct builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_STREAM_START_EVENT:
	case YAML_DOCUMENT_END_EVENT:
	case YAML_NO_EVENT:
		return 0;
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		if (++b->docs > 1) {
			set_err(b->err, b->errsz,
				"SKILL.md frontmatter holds more than one YAML document");
			return SR_EINVAL;
		}
		return 0;
	case YAML_ALIAS_EVENT:
		/* Aliases are what make a few bytes of YAML expand into gigabytes of JSON, and
		 * no SKILL.md needs them. */
		set_err(b->err, b->errsz, "YAML aliases are not supported");
		return SR_EINVAL;
	default:
		break;
	}

	/* Only the events that open a node count; their end events close one. */
	if (ev->type != YAML_MAPPING_END_EVENT && ev->type != YAML_SEQUENCE_END_EVENT &&
	    ++b->nodes > FM_MAX_NODES) {
		set_err(b->err, b->errsz, "SKILL.md frontmatter has more than %d nodes",
			FM_MAX_NODES);
		return SR_ETOOBIG;
	}
	if (b->depth == 0 && ev->type != YAML_MAPPING_START_EVENT) {
		set_err(b->err, b->errsz, "SKILL.md frontmatter is not a YAML mapping");
		return SR_EINVAL;
	}
	if ((ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT) &&
	    expecting_key(b)) {
		set_err(b->err, b->errsz, "SKILL.md frontmatter has a mapping key that is not a scalar");
		return SR_EINVAL;
	}

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_MAPPING_START_EVENT:
		return push(b, json_object());
	case YAML_SEQUENCE_START_EVENT:
		return push(b, json_array());
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		/* libyaml pairs every end with its start, so the stack is never empty here. */
		b->depth--;
		free(b->stack[b->depth].key);
		b->stack[b->depth].key = NULL;
		return 0;
	default:
		return 0;
	}
}

/* Parses the block into a JSON object (an empty one for an empty block). */
static int parse_yaml(const char *blk, size_t blen, json_t **out, char *err, size_t errsz)
{
	yaml_parser_t parser;
	struct builder b;
	int rc = 0;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	b.err = err;
	b.errsz = errsz;
	if (!yaml_parser_initialize(&parser))
		return SR_ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)blk, blen);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR) {
				rc = SR_ENOMEM;
				break;
			}
			/* Marks count from 0 within the block; the block starts on the second
			 * line of the file, after the opening fence. */
			set_err(err, errsz, "invalid YAML in SKILL.md frontmatter at line %zu: %s%s%s%s",
				parser.problem_mark.line + 2,
				parser.problem ? parser.problem : "syntax error",
				parser.context ? " (" : "", parser.context ? parser.context : "",
				parser.context ? ")" : "");
			rc = SR_EINVAL;
			break;
		}
		rc = on_event(&b, &ev);
		yaml_event_delete(&ev);
		if (rc) {
			if (rc == 1)
				rc = 0;
			break;
		}
	}

	yaml_parser_delete(&parser);
	for (int i = 0; i < b.depth; i++)
		free(b.stack[i].key);
	if (rc) {
		json_decref(b.root);
		return rc;
	}
	*out = b.root ? b.root : json_object();
	return *out ? 0 : SR_ENOMEM;
}

/* ---- the fields the registry keeps ---- */

/* A trimmed copy of a JSON string, or NULL (with rc 0) when v is not a non-empty string. */
static int trimmed(const json_t *v, char **out)
{
	*out = NULL;
	if (!json_is_string(v))
		return 0;
	char *s = sr_trim_dup(json_string_value(v), json_string_length(v));
	if (!s)
		return SR_ENOMEM;
	if (!*s) {
		free(s);
		return 0;
	}
	*out = s;
	return 0;
}

static int dump(const json_t *j, char **out)
{
	size_t n = json_dumpb(j, NULL, 0, FM_JSON_FLAGS);
	if (n == 0)
		return SR_ENOMEM;
	char *s = malloc(n + 1);
	if (!s)
		return SR_ENOMEM;
	/* json_dumpb writes into our own allocation, so the caller frees with free() whatever
	 * allocator jansson has been given. */
	if (json_dumpb(j, s, n, FM_JSON_FLAGS) != n) {
		free(s);
		return SR_ENOMEM;
	}
	s[n] = '\0';
	*out = s;
	return 0;
}

/* `metadata` as an object: the mapping itself, or a JSON object written as a string, which
 * some published skills do. *owned is set when the object was parsed here. */
static json_t *metadata_object(json_t *fm, json_t **owned)
{
	json_t *m = json_object_get(fm, "metadata");

	*owned = NULL;
	if (json_is_object(m))
		return m;
	if (!json_is_string(m))
		return NULL;
	json_t *parsed = json_loadb(json_string_value(m), json_string_length(m), 0, NULL);
	if (!json_is_object(parsed)) {
		json_decref(parsed);
		return NULL;
	}
	*owned = parsed;
	return parsed;
}

static json_t *platform_block(json_t *fm, json_t *meta)
{
	static const char *const names[] = {"clawdbot", "clawdis", "openclaw"};

	for (size_t i = 0; meta && i < sizeof(names) / sizeof(names[0]); i++) {
		json_t *v = json_object_get(meta, names[i]);
		if (json_is_object(v))
			return v;
	}
	json_t *v = json_object_get(fm, "clawdis");
	return json_is_object(v) ? v : NULL;
}

/* seen is an object used as a set, so a long envVars list stays linear. */
static int add_setup(json_t *setup, json_t *seen, const char *key, int required)
{
	if (json_object_get(seen, key))
		return 0;
	if (json_object_set_new(seen, key, json_true()) < 0)
		return SR_ENOMEM;
	json_t *item = json_object();
	if (!item)
		return SR_ENOMEM;
	if (json_object_set_new(item, "key", json_string(key)) < 0 ||
	    json_object_set_new(item, "required", json_boolean(required)) < 0) {
		json_decref(item);
		return SR_ENOMEM;
	}
	/* The _new setters of jansson drop the reference even when they fail. */
	return json_array_append_new(setup, item) < 0 ? SR_ENOMEM : 0;
}

static int add_required(json_t *setup, json_t *seen, const json_t *list)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		if (json_is_string(v)) {
			int rc = add_setup(setup, seen, json_string_value(v), 1);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int add_env_vars(json_t *setup, json_t *seen, const json_t *list)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		int rc = 0;
		if (json_is_string(v)) {
			rc = add_setup(setup, seen, json_string_value(v), 0);
		} else if (json_is_object(v)) {
			json_t *name = json_object_get(v, "name");
			json_t *req = json_object_get(v, "required");
			if (json_is_string(name))
				rc = add_setup(setup, seen, json_string_value(name), json_is_true(req));
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* A list of strings from an array (non-strings dropped) or a lone string; null otherwise.
 * NULL means out of memory. */
static json_t *string_list(const json_t *v)
{
	if (!json_is_string(v) && !json_is_array(v))
		return json_null();
	json_t *a = json_array();
	if (!a)
		return NULL;
	if (json_is_string(v)) {
		if (json_array_append_new(a, json_deep_copy(v)) < 0)
			goto fail;
		return a;
	}
	size_t i;
	json_t *item;
	json_array_foreach(v, i, item) {
		if (json_is_string(item) && json_array_append_new(a, json_deep_copy(item)) < 0)
			goto fail;
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static int build_metadata(const json_t *block, char **out)
{
	int rc = SR_ENOMEM;
	json_t *res = json_object();
	json_t *setup = json_array();
	json_t *seen = json_object();

	*out = NULL;
	if (!res || !setup || !seen)
		goto out;

	json_t *requires = json_object_get(block, "requires");
	rc = add_required(setup, seen, json_object_get(requires, "env"));
	if (rc)
		goto out;
	rc = add_required(setup, seen, json_object_get(requires, "config"));
	if (rc)
		goto out;
	rc = add_env_vars(setup, seen, json_object_get(block, "envVars"));
	if (rc)
		goto out;

	rc = SR_ENOMEM;
	if (json_object_set(res, "setup", setup) < 0 ||
	    json_object_set_new(res, "os", string_list(json_object_get(block, "os"))) < 0 ||
	    json_object_set_new(res, "systems",
				string_list(json_object_get(json_object_get(block, "nix"),
							    "systems"))) < 0)
		goto out;
	rc = dump(res, out);
out:
	json_decref(res);
	json_decref(setup);
	json_decref(seen);
	return rc;
}

static int extract(json_t *fm, sr_frontmatter *out)
{
	json_t *owned = NULL;
	json_t *meta = metadata_object(fm, &owned);
	int rc = trimmed(json_object_get(fm, "name"), &out->name);
	if (rc)
		goto out;
	rc = trimmed(json_object_get(fm, "description"), &out->description);
	if (rc)
		goto out;
	if (!out->description && meta) {
		rc = trimmed(json_object_get(meta, "description"), &out->description);
		if (rc)
			goto out;
	}
	json_t *block = platform_block(fm, meta);
	if (block) {
		rc = build_metadata(block, &out->metadata_json);
		if (rc)
			goto out;
	}
	rc = dump(fm, &out->frontmatter_json);
out:
	json_decref(owned);
	return rc;
}

int sr_frontmatter_parse(const char *md, size_t len, sr_frontmatter *out, char *err, size_t errsz)
{
	const char *blk;
	size_t blen;
	json_t *fm = NULL;

	memset(out, 0, sizeof(*out));
	set_err(err, errsz, "%s", "");
	int rc = find_block(md, len, &blk, &blen, err, errsz);
	if (rc)
		return rc;
	if (!blk) {
		out->frontmatter_json = strdup("{}");
		return out->frontmatter_json ? 0 : SR_ENOMEM;
	}
	rc = parse_yaml(blk, blen, &fm, err, errsz);
	if (rc)
		return rc;
	rc = extract(fm, out);
	json_decref(fm);
	if (rc) {
		if (rc == SR_ENOMEM)
			set_err(err, errsz, "out of memory reading SKILL.md frontmatter");
		sr_frontmatter_deinit(out);
	}
	return rc;
}

void sr_frontmatter_deinit(sr_frontmatter *fm)
{
	if (!fm)
		return;
	free(fm->name);
	free(fm->description);
	free(fm->metadata_json);
	free(fm->frontmatter_json);
	memset(fm, 0, sizeof(*fm));
}
