-- Base-model registry and placement (issue 13): what a base model is (shape facts for listings and memory
-- estimates), where it came from (provenance), imports requested over the admin API and run by workers, the
-- workers' advertised capacity, and each job's memory estimate that claims are filtered by.

-- Facts about a base model read from its config.json when it is imported or found by the catalogue scan.
-- shape holds the numbers the memory estimate needs: hidden_size, intermediate_size, num_hidden_layers,
-- num_attention_heads, num_key_value_heads, vocab_size, tie_word_embeddings. Null on fine-tuned rows.
ALTER TABLE models
    ADD COLUMN family         text,
    ADD COLUMN architecture   text,
    ADD COLUMN parameters     bigint,
    ADD COLUMN context_length integer,
    ADD COLUMN licence        text,
    ADD COLUMN shape          jsonb,
    ADD COLUMN content_digest text;

-- Where an imported base model came from. files: [{"path", "size", "sha256"}] as verified at import; the
-- content digest is the SHA-256 over the sorted "path\tsha256\n" lines and names the model's directory in the
-- content-addressed store, so the same bytes imported twice share storage.
CREATE TABLE model_provenance (
    model_id        text PRIMARY KEY REFERENCES models (id),
    source          text NOT NULL CHECK (source IN ('hf', 'dir')),
    repo_id         text,
    revision        text,
    commit_sha      text,
    endpoint        text,
    source_path     text,
    files           jsonb NOT NULL,
    content_digest  text NOT NULL,
    licence         text,
    imported_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((source = 'hf') = (repo_id IS NOT NULL AND commit_sha IS NOT NULL))
);

-- Imports requested over the admin API; a worker claims one (FOR UPDATE SKIP LOCKED), downloads, validates and
-- registers the model, writing progress as it goes. The CLI imports in its own process and writes no row here.
-- model_id is the id the request named (null: derived from the source) until the import succeeds, then the id the
-- model was registered under. replace lets the import replace other content registered under that id.
CREATE TABLE model_imports (
    id              text PRIMARY KEY,
    source          text NOT NULL,
    model_id        text,
    replace         boolean NOT NULL DEFAULT false,
    status          text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    bytes_done      bigint NOT NULL DEFAULT 0,
    bytes_total     bigint,
    message         text,
    error_code      text,
    error_message   text,
    requested_by    text,
    locked_by       text,
    lease_until     timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz
);
CREATE INDEX model_imports_claimable ON model_imports (created_at) WHERE status = 'queued';

-- Workers advertise what they have; a worker refreshes last_seen_at with its heartbeat. Capacity counts only
-- memory a training run may use (device memory on a GPU, RAM less the JVM's own reserve on a CPU).
CREATE TABLE workers (
    id              text PRIMARY KEY,
    device          text NOT NULL,
    memory_bytes    bigint NOT NULL CHECK (memory_bytes > 0),
    started_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now()
);

-- Estimated peak training memory of a job, fixed at creation from (model, LoRA rank, batch, sequence length,
-- safeguards that need a frozen reference pass). A worker only claims jobs whose estimate fits its capacity;
-- null (jobs created before this migration) fits any worker.
ALTER TABLE fine_tuning_jobs ADD COLUMN memory_required_bytes bigint;
