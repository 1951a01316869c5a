-- API keys: only a SHA-256 of each key is kept (keys are 256-bit random, so a fast hash is enough);
-- the id is the key's first 8 characters after "fr_", shown in listings and logs and not secret.
CREATE TABLE api_keys (
  id          text        PRIMARY KEY,
  key_hash    text        NOT NULL UNIQUE,
  name        text,
  roles       text[]      NOT NULL CHECK (cardinality(roles) > 0),
  -- null: every collection; else the one collection this key may touch
  collection  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text,
  revoked_at  timestamptz,
  revoked_by  text
);
