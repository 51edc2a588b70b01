/*
 * scanner_context.c - where in a skill an instruction to run something can live.
 *
 * A token means different things in different places. `curl ... | bash` in a code fence of
 * SKILL.md or in a script is an instruction; the same words in a paragraph of a security
 * tool's README describe an attack; `.exec(` in a minified audio library is a regular
 * expression call. So before the rules run, each file gets a kind, and each kind gives the
 * rules one or two views of it, told apart by the YARA external variable `context`:
 *
 *   code      scripts and other text, the code fences (``` and ~~~), indented code blocks,
 *             inline code spans and the frontmatter's non-prose keys of a markdown file;
 *   prose     the rest of a markdown file (but table rows, which list and compare rather
 *             than instruct, are in no view): what a person or an agent is told to do;
 *   data      JSON, YAML, TOML, CSV: values, often lists of patterns in security tools;
 *   minified  bundled or minified code (long lines make most of the file): third-party code
 *             that nobody is told to run line by line.
 *
 * A view is the file with everything outside it blanked to spaces (newlines kept), so a
 * match's offset and line number are the file's own and one excerpt routine serves all.
 */
#include "moderation/scanner_int.h"

#include <string.h>
#include <strings.h>

#define MINIFIED_LINE 500    /* bytes: a line longer than this is not written by hand */
#define MINIFIED_MIN_FILE 4096

const char *const sr__view_names[SR__VIEW_COUNT] = {"code", "prose", "data", "minified"};

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int ends_with_any(const char *path, const char *const *ext, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ends_with_ci(path, ext[i]))
			return 1;
	return 0;
}

int sr__is_skill_md(const char *path)
{
	return strcasecmp(path, "SKILL.md") == 0;
}

/* Names that promise text: a NUL byte in one of these is a disguised binary. */
int sr__text_name(const char *path)
{
	static const char *const ext[] = {".md", ".txt", ".sh", ".bash", ".zsh", ".py", ".js", ".mjs",
					  ".cjs", ".ts", ".rb", ".pl", ".ps1", ".bat", ".cmd", ".json",
					  ".yaml", ".yml", ".toml"};
	return ends_with_any(path, ext, sizeof(ext) / sizeof(ext[0]));
}

/* Most of the bytes sit on lines no person writes: a bundle or a minified library. */
static int looks_minified(const char *path, const unsigned char *d, size_t len)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strstr(base, ".min.") || strstr(base, "-min."))
		return 1;
	if (len < MINIFIED_MIN_FILE)
		return 0;
	size_t pos = 0, in_long = 0;
	while (pos < len) {
		const unsigned char *nl = memchr(d + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (d + pos)) : len - pos;
		if (n > MINIFIED_LINE)
			in_long += n;
		pos += n + 1;
	}
	return in_long * 2 >= len;
}

enum sr__file_kind sr__file_kind(const char *path, const unsigned char *d, size_t len)
{
	static const char *const prose[] = {".md", ".markdown", ".mdx", ".txt", ".rst"};
	static const char *const data[] = {".json", ".yaml", ".yml", ".toml", ".csv", ".tsv", ".xml",
					   ".lock", ".ini", ".cfg", ".env", ".svg"};
	if (memchr(d, '\0', len) && !sr__text_name(path))
		return SR__KIND_BINARY;
	if (ends_with_any(path, prose, sizeof(prose) / sizeof(prose[0])))
		return SR__KIND_MARKDOWN;
	if (looks_minified(path, d, len))
		return SR__KIND_MINIFIED;
	if (ends_with_any(path, data, sizeof(data) / sizeof(data[0])))
		return SR__KIND_DATA;
	return SR__KIND_CODE;
}

/* ---- markdown ---- */

static size_t indent_of(const unsigned char *s, size_t n)
{
	size_t i = 0, col = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		col += s[i++] == '\t' ? 4 : 1;
	return col;
}

static size_t skip_ws(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	return i;
}

/* A fence line: at least three ` or ~ after the indentation; *ch and *run get the run. */
static int fence_run(const unsigned char *s, size_t n, unsigned char *ch, size_t *run)
{
	size_t i = skip_ws(s, n);
	if (i >= n || (s[i] != '`' && s[i] != '~'))
		return 0;
	size_t j = i;
	while (j < n && s[j] == s[i])
		j++;
	if (j - i < 3)
		return 0;
	*ch = s[i];
	*run = j - i;
	return 1;
}

/* A list item or quote: indented text that is part of the list, not an indented code block. */
static int list_like(const unsigned char *s, size_t n)
{
	size_t i = skip_ws(s, n);
	if (i + 1 < n && (s[i] == '-' || s[i] == '*' || s[i] == '+' || s[i] == '>') && s[i + 1] == ' ')
		return 1;
	size_t j = i;
	while (j < n && s[j] >= '0' && s[j] <= '9')
		j++;
	return j > i && j + 1 < n && (s[j] == '.' || s[j] == ')') && s[j + 1] == ' ';
}

/* Frontmatter keys whose values are words for people (the rest, metadata with install
 * commands above all, is read as code). */
static int prose_key(const unsigned char *s, size_t n)
{
	static const char *const keys[] = {"name:", "description:", "summary:", "title:", "homepage:",
					   "author:", "license:", "version:", "tags:"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t k = strlen(keys[i]);
		if (n >= k && strncasecmp((const char *)s, keys[i], k) == 0)
			return 1;
	}
	return 0;
}

/* A prose line: inline code spans (`...`, ``...``) go to the code view, the backticks to
 * neither, everything else to the prose view. */
static void split_inline(const unsigned char *s, size_t n, unsigned char *code, unsigned char *prose)
{
	size_t i = 0;
	while (i < n) {
		if (s[i] != '`') {
			prose[i] = s[i];
			i++;
			continue;
		}
		size_t run = 0;
		while (i + run < n && s[i + run] == '`')
			run++;
		size_t j = i + run, close = 0;
		while (j < n && !close) {
			if (s[j] == '`') {
				size_t r = 0;
				while (j + r < n && s[j + r] == '`')
					r++;
				if (r == run)
					close = j;
				j += r;
			} else {
				j++;
			}
		}
		if (!close) {
			i += run; /* an unmatched run is literal backticks */
			continue;
		}
		memcpy(code + i + run, s + i + run, close - i - run);
		i = close + run;
	}
}

void sr__markdown_views(const unsigned char *d, size_t len, unsigned char *code, unsigned char *prose)
{
	memset(code, ' ', len);
	memset(prose, ' ', len);
	size_t pos = 0;
	int lineno = 0, in_front = 0, front_prose = 0, in_fence = 0, prev_blank = 1, prev_indented = 0;
	unsigned char fch = 0;
	size_t frun = 0;
	while (pos < len) {
		const unsigned char *s = d + pos;
		const unsigned char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		int blank = skip_ws(s, n) == n;
		unsigned char *c = code + pos, *p = prose + pos;
		lineno++;
		if (nl)
			code[pos + n] = prose[pos + n] = '\n';
		if (lineno == 1 && n >= 3 && memcmp(s, "---", 3) == 0 && skip_ws(s + 3, n - 3) == n - 3) {
			in_front = 1;
		} else if (in_front) {
			if (n >= 3 && memcmp(s, "---", 3) == 0 && skip_ws(s + 3, n - 3) == n - 3)
				in_front = 0;
			else {
				if (n && s[0] != ' ' && s[0] != '\t')
					front_prose = prose_key(s, n);
				memcpy(front_prose ? p : c, s, n);
			}
		} else if (in_fence) {
			unsigned char ch;
			size_t run;
			size_t i = skip_ws(s, n);
			if (fence_run(s, n, &ch, &run) && ch == fch && run >= frun &&
			    skip_ws(s + i + run, n - i - run) == n - i - run)
				in_fence = 0;
			else
				memcpy(c, s, n);
		} else if (fence_run(s, n, &fch, &frun)) {
			in_fence = 1;
			prev_indented = 0;
		} else if (!blank && indent_of(s, n) >= 4 && (prev_blank || prev_indented) && !list_like(s, n)) {
			memcpy(c, s, n);
			prev_indented = 1;
		} else if (s[skip_ws(s, n)] == '|' && !blank) {
			prev_indented = 0; /* a table row: reference material, in neither view */
		} else {
			split_inline(s, n, c, p);
			prev_indented = prev_indented && blank;
		}
		prev_blank = blank;
		pos += n + 1;
	}
}
