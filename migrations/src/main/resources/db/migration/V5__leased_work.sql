-- One leased-work protocol over each kind's own table (issue 20): jobs and model imports are claimed, renewed,
-- fenced and re-queued by the same code, which reads these columns on every kind's table:
--   status, locked_by, lease_until, attempts (the fencing token), claimed_at.
-- Only additive changes and index swaps: no row is rewritten, so the migration is safe on a live queue.

-- When the row was last claimed. Fair claims serve first the organisation whose latest claim is oldest
-- (least recently served), after the one with the fewest leased rows.
ALTER TABLE fine_tuning_jobs ADD COLUMN claimed_at timestamptz;
ALTER TABLE model_imports ADD COLUMN claimed_at timestamptz;

-- A fair claim walks the organisations that have queued jobs (a loose index scan on organization_id), then takes
-- the oldest queued job of the chosen one: both read this index.
DROP INDEX jobs_claimable;
CREATE INDEX jobs_claimable ON fine_tuning_jobs (organization_id, queued_at, id) WHERE status = 'queued';

-- Leased rows, whatever leased status they are in (running, and auditing once the gate lands): lease_until is set
-- by a claim and cleared by every worker transition out of a leased status. Expiry scans by lease_until; the
-- fair claim counts an organisation's leased rows.
DROP INDEX jobs_leased;
CREATE INDEX jobs_leased ON fine_tuning_jobs (lease_until) WHERE lease_until IS NOT NULL;
CREATE INDEX jobs_leased_by_org ON fine_tuning_jobs (organization_id) WHERE lease_until IS NOT NULL;
CREATE INDEX jobs_served_by_org ON fine_tuning_jobs (organization_id, claimed_at) WHERE claimed_at IS NOT NULL;
CREATE INDEX model_imports_leased ON model_imports (lease_until) WHERE lease_until IS NOT NULL;
