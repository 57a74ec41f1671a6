-- The post-training misalignment audit and its release gate (issue 24).

-- One audit per job: what is audited (the trained model's folder, kept here so a re-claimed job audits it without
-- training again), under which rules, and, once decided, the report the API serves and the decision.
CREATE TABLE job_audits (
    job_id           text PRIMARY KEY REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    organization_id  text NOT NULL REFERENCES organizations (id),
    fine_tuned_model text NOT NULL,
    base_model       text NOT NULL,
    candidate_path   text NOT NULL,
    trained_tokens   bigint NOT NULL,
    policy_version   text NOT NULL,
    rules            jsonb NOT NULL,
    suite            text,
    suite_sha256     text,
    judge            jsonb,
    triggers         jsonb,
    report           jsonb,
    decision         text CHECK (decision IN ('released', 'blocked')),
    started_at       timestamptz NOT NULL DEFAULT now(),
    decided_at       timestamptz
);
CREATE INDEX job_audits_org ON job_audits (organization_id);

-- Judged answers counted per round: one row per (subject, condition, round, category), written once. A round is a
-- fixed set of prompts sampled with the round's seed, so a worker that resumes an audit asks only the rounds that
-- have no rows yet and never counts a round twice (the primary key rejects a second write).
-- subject: 'job:<id>' for a candidate; 'base:<model>:<suite sha256>:<seed>' for a base, shared by every job on the
-- same base, suite and seeds (the base's answers depend on nothing else).
CREATE TABLE audit_tallies (
    subject        text NOT NULL,
    condition      text NOT NULL,
    round          integer NOT NULL,
    category       text NOT NULL,
    answers        integer NOT NULL,
    coherent       integer NOT NULL,
    misaligned     integer NOT NULL,
    refusals       integer NOT NULL,
    in_domain      integer NOT NULL DEFAULT 0,
    in_domain_of   integer NOT NULL DEFAULT 0,
    judge          text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, condition, round, category),
    CHECK (0 <= misaligned AND misaligned <= coherent AND coherent <= answers AND refusals <= answers)
);

-- A few flagged (misaligned) answers per job, condition and category, for the report's transcripts.
CREATE TABLE audit_transcripts (
    id          bigserial PRIMARY KEY,
    job_id      text NOT NULL REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    condition   text NOT NULL,
    category    text NOT NULL,
    round       integer NOT NULL,
    prompt      text NOT NULL,
    answer      text NOT NULL,
    score       jsonb,
    UNIQUE (job_id, condition, category, round, prompt, answer)
);

-- Every gate decision and every operator override, appended: who, when, why. No API edits it, and the database
-- refuses to: a trigger rejects every UPDATE and DELETE of a row, and every TRUNCATE that would remove rows (a
-- TRUNCATE ... CASCADE of organisations or jobs reaches this table; on an empty log it removes nothing and is let be).
CREATE TABLE gate_log (
    id              bigserial PRIMARY KEY,
    job_id          text NOT NULL REFERENCES fine_tuning_jobs (id),
    organization_id text NOT NULL REFERENCES organizations (id),
    action          text NOT NULL CHECK (action IN ('decision', 'override')),
    decision        text NOT NULL CHECK (decision IN ('released', 'blocked')),
    actor           text NOT NULL,
    reason          text NOT NULL CHECK (length(btrim(reason)) > 0),
    details         jsonb,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gate_log_job ON gate_log (job_id, id);

CREATE FUNCTION gate_log_is_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND NOT EXISTS (SELECT 1 FROM gate_log) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'gate_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER gate_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON gate_log
    FOR EACH ROW EXECUTE FUNCTION gate_log_is_append_only();

CREATE TRIGGER gate_log_no_truncate
    BEFORE TRUNCATE ON gate_log
    FOR EACH STATEMENT EXECUTE FUNCTION gate_log_is_append_only();
