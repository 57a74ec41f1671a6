-- Files a job produces for its owner (per-example diagnostics, ...): ids into files, purpose 'fine-tune-results'.
ALTER TABLE fine_tuning_jobs ADD COLUMN result_files text[] NOT NULL DEFAULT '{}';
