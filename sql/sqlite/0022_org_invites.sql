-- Invitations to an org (issue 13; the accounts reference, section 3): an org's admins invite
-- a person with a role, and the person becomes a member only by accepting, as on ClawHub
-- (createMemberInvite, accept|decline|revokeMemberInvite). status: 0 pending, 1 accepted,
-- 2 declined, 3 revoked, 4 expired (written when a pending invitation past expires_at is
-- met by a new invitation of the same person). One pending invitation per org and person,
-- kept by the partial unique index even against two concurrent invitations; the two other
-- indexes are the invitee's and the org's pending ranges, newest first.
CREATE TABLE org_invites (
  id           INTEGER PRIMARY KEY,
  publisher_id INTEGER NOT NULL,
  user_id      INTEGER NOT NULL,  -- the person invited
  role         INTEGER NOT NULL,  -- the role they get by accepting (publisher_members.role)
  invited_by   INTEGER NOT NULL,
  status       INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  decided_at   INTEGER
);
CREATE UNIQUE INDEX ux_org_invites_pending ON org_invites(publisher_id, user_id) WHERE status = 0;
CREATE INDEX ix_org_invites_user ON org_invites(user_id, status, id);
CREATE INDEX ix_org_invites_org ON org_invites(publisher_id, status, id);
