-- Blobs on PostgreSQL (issue 12: blobs every node can serve).
--
-- With --db postgres://... the bytes of every file and every version's download archive live
-- here, once per SHA-256 however many versions name them, so a version published through one
-- node downloads through any other at once. Each node keeps the blobs it serves in a local
-- cache directory (src/blob: blobs are immutable, so a cached file never goes stale); this
-- table is the truth.
--
-- touched_at is the blob's age for the collector (src/cron/blobgc.c): a put of bytes already
-- stored moves it forward, so bytes a publish in flight is about to reference are young, and
-- the collector deletes a row only while it is still older than its grace period (one
-- statement: the check and the delete cannot be split by a put). Times are int64 milliseconds
-- of the writing node's clock, as everywhere else in the schema.
CREATE TABLE blobs (
	sha256 text PRIMARY KEY,
	size bigint NOT NULL,
	data bytea NOT NULL,
	created_at bigint NOT NULL,
	touched_at bigint NOT NULL
);

-- Most blobs are download archives, which are compressed already: storing the bytes as they
-- are saves the server a compression attempt on every write and a decompression on every
-- cache fill, and lets a value be read in slices.
ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL;

-- The collector's walk: blobs older than the grace period in keyset pages by age, (touched_at,
-- sha256) after the last key of the previous page; size is included so that the walk and the
-- count of young blobs are index-only and never touch the bytes.
CREATE INDEX ix_blobs_touched ON blobs (touched_at, sha256) INCLUDE (size);
