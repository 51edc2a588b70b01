-- Accounts that a person claims (issue 13). `skillreg import` creates the owners of an
-- imported ClawHub archive as accounts nobody has signed in to yet; each keeps the GitHub
-- login that owned the skills on ClawHub. The first GitHub sign-in whose login matches takes
-- the account over (src/auth), and the column is cleared then. The index is partial: only
-- unclaimed accounts carry a value, and the sign-in looks them up by it.
ALTER TABLE users ADD COLUMN claim_github TEXT; -- lower-case GitHub login; NULL once claimed or for ordinary accounts
CREATE UNIQUE INDEX ux_users_claim_github ON users(claim_github) WHERE claim_github IS NOT NULL;
