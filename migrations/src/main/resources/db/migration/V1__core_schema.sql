-- SafeTune core schema: tenants, keys, files, the job queue, events, checkpoints and models.
-- Every customer-owned row carries organization_id so every query can be scoped by tenant.

CREATE TABLE organizations (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Keys are stored as a SHA-256 hash; the prefix (first characters of the key) finds the row without a scan.
CREATE TABLE api_keys (
    id               text PRIMARY KEY,
    organization_id  text NOT NULL REFERENCES organizations (id),
    name             text NOT NULL,
    prefix           text NOT NULL UNIQUE,
    key_hash         text NOT NULL,
    role             text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin', 'safety')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_used_at     timestamptz,
    revoked_at       timestamptz
);

CREATE TABLE files (
    id               text PRIMARY KEY,
    organization_id  text NOT NULL REFERENCES organizations (id),
    filename         text NOT NULL,
    purpose          text NOT NULL,
    bytes            bigint NOT NULL,
    sha256           text NOT NULL,
    storage_path     text NOT NULL,
    status           text NOT NULL CHECK (status IN ('uploaded', 'processed', 'error')),
    status_details   text,
    example_count    integer,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX files_org_created ON files (organization_id, created_at DESC, id DESC);

-- The queue. status follows JobStatus's transition table; version is the optimistic lock;
-- attempts is the fencing token: each claim increments it and every worker write names it.
CREATE TABLE fine_tuning_jobs (
    id                text PRIMARY KEY,
    organization_id   text NOT NULL REFERENCES organizations (id),
    model             text NOT NULL,
    training_file     text NOT NULL,
    validation_file   text,
    status            text NOT NULL CHECK (status IN ('validating_files', 'queued', 'running', 'paused',
                                                      'auditing', 'succeeded', 'blocked', 'failed', 'cancelled')),
    hyperparameters   jsonb NOT NULL,
    suffix            text,
    seed              bigint NOT NULL,
    metadata          jsonb,
    fine_tuned_model  text,
    trained_tokens    bigint,
    error_code        text,
    error_message     text,
    error_param       text,
    estimated_finish  timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    queued_at         timestamptz,
    started_at        timestamptz,
    finished_at       timestamptz,
    version           bigint NOT NULL DEFAULT 0,
    locked_by         text,
    lease_until       timestamptz,
    attempts          integer NOT NULL DEFAULT 0,
    max_attempts      integer NOT NULL DEFAULT 5
);
CREATE INDEX jobs_org_created ON fine_tuning_jobs (organization_id, created_at DESC, id DESC);
CREATE INDEX jobs_claimable ON fine_tuning_jobs (queued_at) WHERE status = 'queued';
CREATE INDEX jobs_leased ON fine_tuning_jobs (lease_until) WHERE status = 'running';

CREATE TABLE job_events (
    id               bigserial PRIMARY KEY,
    job_id           text NOT NULL REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    organization_id  text NOT NULL REFERENCES organizations (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    level            text NOT NULL CHECK (level IN ('info', 'warn', 'error')),
    type             text NOT NULL CHECK (type IN ('message', 'metrics')),
    message          text NOT NULL,
    data             jsonb,
    attempt          integer NOT NULL DEFAULT 0
);
CREATE INDEX job_events_job ON job_events (job_id, id);

CREATE TABLE checkpoints (
    id                           text PRIMARY KEY,
    job_id                       text NOT NULL REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    organization_id              text NOT NULL REFERENCES organizations (id),
    step_number                  integer NOT NULL,
    metrics                      jsonb NOT NULL,
    storage_path                 text NOT NULL,
    fine_tuned_model_checkpoint  text NOT NULL,
    attempt                      integer NOT NULL,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, step_number)
);

-- Base models (organization_id null, owned by the platform) and each tenant's fine-tuned models.
CREATE TABLE models (
    id               text PRIMARY KEY,
    organization_id  text REFERENCES organizations (id),
    kind             text NOT NULL CHECK (kind IN ('base', 'fine_tuned')),
    base_model       text,
    job_id           text REFERENCES fine_tuning_jobs (id),
    storage_path     text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'base') = (organization_id IS NULL))
);
CREATE INDEX models_org ON models (organization_id, created_at DESC);
