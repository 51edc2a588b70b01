-- Storage under hostile clients (issue 16).
--
-- A user's upload quota: the bytes of their upload tickets neither used by a publish nor
-- expired. One range of this partial index answers it, reading only the index (the size is
-- in it) and only the user's live, unused tickets.
CREATE INDEX ix_tickets_user_live ON upload_tickets(user_id, expires_at, size) WHERE used_at IS NULL;

-- Blobs a publish in flight is about to reference: written before the publish puts its bytes
-- and deleted once its transaction has committed (the version names them from then on) or
-- failed. The blob collector counts a hold not yet expired as a reference, so bytes a publish
-- refreshed or wrote are never removed under it (src/cron/blobgc.c). A hold expires on its
-- own (a process killed mid-publish leaves its holds behind), and the collector deletes
-- expired ones. One publish's holds share the hold number: they go in one statement each
-- and out in one range.
CREATE TABLE blob_holds (
  hold       INTEGER NOT NULL,
  sha256     TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (hold, sha256)
) WITHOUT ROWID;
CREATE INDEX ix_blob_holds_sha ON blob_holds(sha256, expires_at);
CREATE INDEX ix_blob_holds_expires ON blob_holds(expires_at);
