-- The training-data screen decides from the safety policy (issue 25): each report names the policy version whose
-- screen section decided, and operators review held files with a written reason kept in an append-only log.

-- The deciding policy version. Reports stored before this migration were decided by the screen's own built-in
-- thresholds ('screen-defaults-1'), not by a policy: they keep policy_id null and their policy_version is cleared.
ALTER TABLE file_screens ADD COLUMN policy_id text REFERENCES safety_policies (id);
ALTER TABLE file_screens ALTER COLUMN policy_version DROP NOT NULL;
ALTER TABLE file_screens ALTER COLUMN policy_version TYPE integer USING NULL;
ALTER TABLE file_screens
    ADD CONSTRAINT file_screens_policy FOREIGN KEY (policy_id, policy_version) REFERENCES safety_policies (id, version),
    ADD CONSTRAINT file_screens_policy_both CHECK ((policy_id IS NULL) = (policy_version IS NULL));
UPDATE file_screens SET report = jsonb_set(report, '{policy_version}', 'null'::jsonb);

-- Every release or rejection of a held file: who, when, why, and the decision before and after. Append-only: the
-- trigger below refuses UPDATE, DELETE and TRUNCATE, so a review can never be rewritten or hidden.
CREATE TABLE file_screen_reviews (
    id                 bigserial PRIMARY KEY,
    file_id            text NOT NULL,
    organization_id    text NOT NULL REFERENCES organizations (id),
    action             text NOT NULL CHECK (action IN ('release', 'reject')),
    previous_decision  text NOT NULL,
    decision           text NOT NULL CHECK (decision IN ('allow', 'pin_policy', 'reject')),
    reason             text NOT NULL CHECK (btrim(reason) <> '' AND length(reason) <= 2000),
    reviewed_by        text NOT NULL REFERENCES api_keys (id),
    reviewed_at        timestamptz NOT NULL DEFAULT now()
);
-- No foreign key to files: the log outlives a deleted file, as an audit log must.
CREATE INDEX file_screen_reviews_file ON file_screen_reviews (file_id, id);

CREATE FUNCTION file_screen_reviews_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: the review log is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER file_screen_reviews_append_only
    BEFORE UPDATE OR DELETE ON file_screen_reviews
    FOR EACH ROW EXECUTE FUNCTION file_screen_reviews_refuse_change();
CREATE TRIGGER file_screen_reviews_no_truncate
    BEFORE TRUNCATE ON file_screen_reviews
    FOR EACH STATEMENT EXECUTE FUNCTION file_screen_reviews_refuse_change();
