-- The web site's owner page lists a publisher's public skills, most recently updated first.
-- ix_skills_owner_updated holds every skill of the owner (deleted and hidden ones too), so a
-- page through it would read rows it then drops; this partial index holds only the public
-- ones, and a page is one range of it (docs/bandwidth.md).
CREATE INDEX ix_owner_pub_updated ON skills(owner_id, updated_at, id) WHERE is_public;
