/*
 * archive.h - the real ClawHub archive the import tests read: ../shared/corpus/clawhub-skills-
 * 2026-01 beside the repository (SKILLREG_CORPUS names another corpus folder, as a git worktree
 * sits deeper than the main checkout). OWNER/SLUG/ folders with the skill's files and ClawHub's
 * _meta.json. It is hostile data (real malware among it): the tests only read its bytes.
 */
#ifndef SRT_ARCHIVE_H
#define SRT_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "harness.h"

/* One skill of the archive, as its folder and _meta.json say. Strings are malloc'd. */
typedef struct srt_askill {
	char *owner, *slug, *version, *display_name;
	int64_t published_at;
	size_t history; /* older versions _meta.json lists (without their files) */
} srt_askill;

typedef struct srt_archive {
	char root[1024];
	char repo[512]; /* the repository the test binary was built in */
	srt_askill *skills; /* sorted by owner, then slug */
	size_t n, owners;
} srt_archive;

/* Finds and lists the archive. 0, or -1 after printing why (a missing archive fails the test:
 * a measurement that did not run must not read as one that passed). */
int srt_archive_load(srt_archive *a);
void srt_archive_free(srt_archive *a);
/* The files of one skill (every regular file under OWNER/SLUG/ but the archive's own
 * _meta.json), path-sorted, with their bytes. 0 or -1. */
int srt_archive_files(const srt_archive *a, const srt_askill *k, srt_file **files, size_t *n);
void srt_archive_files_free(srt_file *files, size_t n);
/* 1 when tests/scanner-labels.tsv labels the skill malicious or suspicious (the scanner may
 * block it), 0 when not, -1 when the labels cannot be read. */
int srt_archive_labelled(const srt_archive *a, const srt_askill *k);

#endif
