-- The screen's persona part (issue 25, docs/screening.md): for each (training file, base model) a job is created on,
-- the persona-projection risk (Chen et al. 2025) computed by a worker as leased work, before the job trains. The
-- lease columns are the leased-work queue's (V5); status follows PersonaScreenStatus's transition table. A job on
-- the (file, base) is not claimed while its row is queued or running; the result is copied into the file's stored
-- report (file_screens.report.risk) and the policy's persona_risk rule may raise the file's decision.
CREATE TABLE persona_screens (
    id               text PRIMARY KEY,
    file_id          text NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    organization_id  text NOT NULL REFERENCES organizations (id),
    base_model       text NOT NULL,
    status           text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'skipped')),
    examples_done    integer NOT NULL DEFAULT 0,
    examples_total   integer,
    vector           text,
    scored           integer,
    risk_mean        double precision,
    risk_p95         double precision,
    message          text,
    error_code       text,
    error_message    text,
    locked_by        text,
    lease_until      timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    claimed_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    UNIQUE (file_id, base_model)
);
CREATE INDEX persona_screens_claimable ON persona_screens (created_at) WHERE status = 'queued';
CREATE INDEX persona_screens_leased ON persona_screens (lease_until) WHERE lease_until IS NOT NULL;
