-- What the blob collector (the `blob-gc` job, issue 16) asks of each blob it finds on disk:
-- does a version's file, a version's download archive or a live upload ticket still name it?
-- One index range each, by SHA-256, so a pass over the blob store reads three short ranges
-- per blob and never a table.
CREATE INDEX ix_version_files_sha ON version_files(sha256);
CREATE INDEX ix_versions_zip ON skill_versions(zip_sha256);
CREATE INDEX ix_tickets_sha ON upload_tickets(sha256, expires_at);
