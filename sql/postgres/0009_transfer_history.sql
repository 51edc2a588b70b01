-- The history of ownership transfers (issue 13), PostgreSQL's dialect of
-- sql/sqlite/0017_transfer_history.sql, whose comments say what each part is for.
ALTER TABLE skill_transfers ADD COLUMN resolved_by bigint;
CREATE INDEX ix_transfers_to_time ON skill_transfers(to_user_id, created_at);
CREATE INDEX ix_transfers_from_time ON skill_transfers(from_user_id, created_at);
CREATE INDEX ix_transfers_skill ON skill_transfers(skill_id, created_at);
