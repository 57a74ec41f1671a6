-- Onboarding through the admin API, and customer keys that are members.
--
-- Until now start-up created every key with role admin, so the key handed to a customer could use /admin (queue
-- base-model imports with replace). Start-up keys of org-default ('bootstrap' when configured, 'default' when
-- generated) are customer keys: they become members. Operators get a separate admin key (start-up's
-- 'bootstrap-admin', or one issued through the admin API).
UPDATE api_keys SET role = 'member'
WHERE organization_id = 'org-default' AND name IN ('bootstrap', 'default') AND role = 'admin';

-- Listing an organisation's keys, newest first.
CREATE INDEX api_keys_org_created ON api_keys (organization_id, created_at DESC, id DESC);
CREATE INDEX organizations_created ON organizations (created_at DESC, id DESC);

-- Rotation links the revoked key to the key that replaced it, so an operator can follow the chain.
ALTER TABLE api_keys ADD COLUMN replaced_by text REFERENCES api_keys (id);
