-- The training-data safety screen of each uploaded file (issue 25): computed in the upload stream, stored with the
-- file, read by GET /v1/files/{id}/screen and by job creation (a held or rejected file cannot start a job).
-- report is the customer-facing report (ScreenView, snake_case) with up to DataScreen.FINDINGS_KEPT findings;
-- decision and policy_version are columns so job creation and operators can query them without reading the JSON.
CREATE TABLE file_screens (
    file_id          text PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    organization_id  text NOT NULL REFERENCES organizations (id),
    status           text NOT NULL CHECK (status IN ('completed')),
    decision         text NOT NULL CHECK (decision IN ('allow', 'pin_policy', 'hold', 'reject')),
    policy_version   text NOT NULL,
    rules_version    text NOT NULL,
    report           jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
-- Operators' review queue: held files per organisation, oldest first.
CREATE INDEX file_screens_org_decision ON file_screens (organization_id, decision, created_at);
