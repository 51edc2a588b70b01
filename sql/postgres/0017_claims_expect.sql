-- A publish decides on the slug's claims read before it takes the write lock, then asserts
-- under the lock that they are what it decided on, in the round trip of its COMMIT
-- (docs/postgres.md, round trips). sr_expect is that assertion: it fails the transaction
-- with SQLSTATE SR409 unless ok is true, which the engine answers as a conflict (the publish
-- then reads the claims again under the lock). PostgreSQL only: SQLite's writers read under
-- the lock at no round trip's cost.
CREATE FUNCTION sr_expect(ok boolean) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION 'the rows asserted changed' USING ERRCODE = 'SR409';
  END IF;
  RETURN 1;
END
$$;
