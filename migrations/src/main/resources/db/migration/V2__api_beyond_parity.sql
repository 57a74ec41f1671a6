-- Beyond OpenAI parity (issue 11): dry-run reports and estimates, measured throughput, webhooks with an outbox
-- filled by a trigger, and idempotent job creation.

-- The full validation report of an upload (every bad line up to a cap, plus counts), kept so that GET and
-- POST /v1/files/{id}/validate return it later without reading the file again. Read by the API only.
ALTER TABLE files ADD COLUMN validation_report jsonb;

-- Token counts of a file under one model's tokenizer, computed by the first dry run and reused: a file never
-- changes, and the tokenizer's hash and the sequence length the counts assumed tell when they are stale.
CREATE TABLE file_token_counts (
    file_id               text NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    model                 text NOT NULL,
    tokenizer_sha256      text NOT NULL,
    max_sequence_length   integer NOT NULL,
    counts                jsonb NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (file_id, model)
);

-- Measured training speed per base model, for duration estimates; read by the API (duration = trained tokens /
-- tokens_per_second). No row means no measurement: the API then gives no duration rather than a guess.
-- Contract for the workers: after a job's training run ends successfully, with
--   tps = tokens that run trained (all non-padding tokens, as trained_tokens) / wall-clock seconds of that run
--         (from the claim to the last optimizer step, model loading, checkpoints and validation included; queue
--         wait and audit excluded; for a resumed job, the final run only),
-- upsert an exponentially weighted mean (alpha 0.3: recent jobs dominate, one outlier does not):
--   INSERT INTO training_throughput (model, tokens_per_second, jobs) VALUES (:model, :tps, 1)
--   ON CONFLICT (model) DO UPDATE
--   SET tokens_per_second = 0.3 * EXCLUDED.tokens_per_second + 0.7 * training_throughput.tokens_per_second,
--       jobs = training_throughput.jobs + 1, updated_at = now();
CREATE TABLE training_throughput (
    model              text PRIMARY KEY,
    tokens_per_second  double precision NOT NULL CHECK (tokens_per_second > 0),
    jobs               integer NOT NULL CHECK (jobs > 0),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- A tenant's webhook endpoints. The secret signs deliveries, so it is kept (it cannot be a hash); the API shows it
-- once, at creation. events null means every job event.
CREATE TABLE webhook_endpoints (
    id               text PRIMARY KEY,
    organization_id  text NOT NULL REFERENCES organizations (id),
    url              text NOT NULL,
    events           text[],
    secret           text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (organization_id, created_at DESC, id DESC);

-- One row per job state change that some endpoint subscribed to. job is the row as it was right after the change
-- (to_jsonb of fine_tuning_jobs), so a delivery made later still describes that moment; body is the JSON sent,
-- rendered once by the API's dispatcher so every attempt and every endpoint gets the same bytes.
CREATE TABLE webhook_events (
    id               text PRIMARY KEY,
    organization_id  text NOT NULL REFERENCES organizations (id),
    type             text NOT NULL,
    job_id           text NOT NULL REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    job              jsonb NOT NULL,
    body             text,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The outbox: one row per (event, endpoint). Claimed by dispatchers with FOR UPDATE SKIP LOCKED; a claim counts an
-- attempt and pushes next_attempt_at past the send timeout (a lease), so a dispatcher that dies mid-send only delays
-- the delivery. Delivery is at least once: receivers deduplicate on the event id.
CREATE TABLE webhook_deliveries (
    id                bigserial PRIMARY KEY,
    event_id          text NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id       text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    organization_id   text NOT NULL REFERENCES organizations (id),
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    last_attempt_at   timestamptz,
    last_http_status  integer,
    last_error        text,
    delivered_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id DESC);

-- Captures every status change of every job, whoever writes it (the API, a worker, an operator's SQL), in the same
-- transaction as the change: the event exists exactly when the change committed. The event type is
-- 'fine_tuning.job.' || the stored status (including our own statuses, e.g. auditing, blocked, paused).
CREATE FUNCTION enqueue_job_webhooks() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    event_type text := 'fine_tuning.job.' || NEW.status;
    event_id   text;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints e
                   WHERE e.organization_id = NEW.organization_id
                     AND (e.events IS NULL OR event_type = ANY (e.events))) THEN
        RETURN NULL;
    END IF;
    event_id := 'whevt-' || replace(gen_random_uuid()::text, '-', '');
    INSERT INTO webhook_events (id, organization_id, type, job_id, job)
    VALUES (event_id, NEW.organization_id, event_type, NEW.id, to_jsonb(NEW));
    INSERT INTO webhook_deliveries (event_id, endpoint_id, organization_id)
    SELECT event_id, e.id, e.organization_id
    FROM webhook_endpoints e
    WHERE e.organization_id = NEW.organization_id
      AND (e.events IS NULL OR event_type = ANY (e.events));
    RETURN NULL;
END
$$;

CREATE TRIGGER fine_tuning_jobs_webhooks
    AFTER INSERT OR UPDATE OF status ON fine_tuning_jobs
    FOR EACH ROW EXECUTE FUNCTION enqueue_job_webhooks();

-- Idempotency-Key of POST /v1/fine_tuning/jobs, per organisation. request_hash is the SHA-256 of the request body in
-- canonical form; job_id is the job that request created. Keys older than 24 hours no longer count and are purged.
CREATE TABLE idempotency_keys (
    organization_id  text NOT NULL REFERENCES organizations (id),
    key              text NOT NULL,
    request_hash     text NOT NULL,
    job_id           text REFERENCES fine_tuning_jobs (id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
