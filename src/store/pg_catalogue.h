/*
 * pg_catalogue.h - the SQL text of every statement in PostgreSQL's dialect, and its
 * full-text match expression (pg_catalogue.c).
 *
 * The ids, parameter numbers and result columns are catalogue.c's: $N means what ?N means
 * there. Parameters go as text with no declared types; every statement lets PostgreSQL infer
 * them. Inserts whose id the store reads with sr__last_id end in RETURNING id.
 */
#ifndef SR_STORE_PG_CATALOGUE_H
#define SR_STORE_PG_CATALOGUE_H

struct sr_buf;

/* The text of statement q (0 <= q < SR__Q_TOTAL), NULL for an empty list slot or an id out
 * of range. */
const char *sr__pg_statement_sql(int q);

/*
 * Appends the one text parameter ($1) of the search statements for tokens matched the way
 * match (enum sr_match) says:
 *   SR_MATCH_NAMES, SR_MATCH_INSIDE  a text[] literal of LIKE patterns, '%token%', the longest
 *                                    token first (the one the trigram index is asked for)
 *   SR_MATCH_WORDS, SR_MATCH_PREFIXES  a to_tsquery('simple') string: each token a phrase of
 *                                    its words (a CJK token: of its characters), the last
 *                                    word a prefix (:*) for SR_MATCH_PREFIXES
 * 0, SR_EINVAL when a token holds nothing to match (no word) or match is unknown, or an
 * error of the buffer.
 */
int sr__pg_match_expr(struct sr_buf *b, int match, const char *const *tokens, int n);

#endif
