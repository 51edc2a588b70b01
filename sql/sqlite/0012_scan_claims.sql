-- Scan claims (issue 12): every `skillreg serve` node runs a scan worker on the same queue,
-- and a version must be scanned by one of them, not by all.
--
-- Before it scans a pending version, a worker claims it with one conditional write
-- (src/store/scans.c, sr_store_version_scan_claim): the row takes the worker's claim only
-- when no claim is held or the one held is older than the lease (SR_SCAN_LEASE_MS), so of
-- the workers that try at once exactly one changes it, and only that one scans. A worker
-- that dies mid-scan holds the version until the lease runs out; then the next worker to
-- ask takes it. The finish writes only under the claim it names and clears it, and a rescan
-- request clears it too, so a scan that lost its claim records nothing. The claim is read
-- and written through the primary key only: no index.
ALTER TABLE skill_versions ADD COLUMN scan_claimed_at INTEGER; -- ms since the epoch, claimant's clock
ALTER TABLE skill_versions ADD COLUMN scan_claimed_by TEXT;    -- host:pid:nonce of the claimant's drain
