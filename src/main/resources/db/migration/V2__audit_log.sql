-- Who did what to which target; written by the security layer.
CREATE TABLE audit_log (
  id       bigserial   PRIMARY KEY,
  at       timestamptz NOT NULL DEFAULT now(),
  actor    text,
  action   text        NOT NULL,
  target   text,
  details  jsonb
);

CREATE INDEX audit_log_at_idx ON audit_log (at);
