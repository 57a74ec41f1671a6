-- Who wrote a policy version or moved the default is kept as the key's id, not as a foreign key to api_keys: the
-- immutable policy tables must not hang on mutable key rows. With the foreign keys, a TRUNCATE ... CASCADE of
-- organisations (through api_keys) reached safety_policies and its history, whose triggers rightly refuse it, so
-- nothing upstream of keys could ever be reset. Keys are never deleted (a revoked key keeps its row), so the id
-- still names its key.
ALTER TABLE safety_policies DROP CONSTRAINT safety_policies_created_by_fkey;
ALTER TABLE safety_policy_default DROP CONSTRAINT safety_policy_default_set_by_fkey;
ALTER TABLE safety_policy_default_history DROP CONSTRAINT safety_policy_default_history_set_by_fkey;
