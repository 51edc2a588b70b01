-- The history of ownership transfers (issue 13; the accounts reference, section 4), kept as
-- the audit trail the two parties and staff read: every request stays a row after it ends,
-- with who ended it and when.
--
-- resolved_by is who accepted, rejected or cancelled a request (the recipient whose accept
-- found the skill under moderation or the requester no longer entitled cancels it too); it
-- stays NULL for a request that expired. The indexes are the history reads: a person's
-- received and sent requests newest first, and one skill's requests (the skill page, staff).
ALTER TABLE skill_transfers ADD COLUMN resolved_by INTEGER;
CREATE INDEX ix_transfers_to_time ON skill_transfers(to_user_id, created_at);
CREATE INDEX ix_transfers_from_time ON skill_transfers(from_user_id, created_at);
CREATE INDEX ix_transfers_skill ON skill_transfers(skill_id, created_at);
