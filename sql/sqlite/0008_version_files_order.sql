-- version_files again, with its primary-key columns first.
--
-- SQLite 3.40 (Debian 12's) misreads a WITHOUT ROWID table whose primary key is not made of
-- its leading columns in PRAGMA integrity_check: it reports "NULL value in version_files.path"
-- (and size, sha256) for every row although no such value exists, so the check could not tell
-- a damaged database from a healthy one. Every other WITHOUT ROWID table here already starts
-- with its key. Same columns, same key, same index; only the order of the columns changes.
CREATE TABLE version_files_new (
  version_id   INTEGER NOT NULL,
  ord          INTEGER NOT NULL,           -- position in localeCompare order
  path         TEXT NOT NULL,
  size         INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  content_type TEXT,
  PRIMARY KEY (version_id, ord)
) WITHOUT ROWID;
INSERT INTO version_files_new(version_id, ord, path, size, sha256, content_type)
  SELECT version_id, ord, path, size, sha256, content_type FROM version_files;
DROP TABLE version_files;
ALTER TABLE version_files_new RENAME TO version_files;
CREATE UNIQUE INDEX ux_version_files_path ON version_files(version_id, path);
