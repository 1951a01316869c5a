-- Gallery: collections, the subjects enrolled in them, and each subject's face embeddings.
-- Unqualified names: Flyway runs this in the configured schema (search_path).

CREATE TABLE collections (
  name        text        PRIMARY KEY,
  -- Set by the first face added; every embedding of a collection comes from one recognizer.
  model_id    text,
  dimension   integer     CHECK (dimension > 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subjects (
  id          uuid        PRIMARY KEY,
  collection  text        NOT NULL REFERENCES collections (name),
  name        text        NOT NULL,
  metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Paging lists a collection's subjects in creation order (id breaks ties).
CREATE INDEX subjects_collection_created_idx ON subjects (collection, created_at, id);

CREATE TABLE faces (
  id            uuid        PRIMARY KEY,
  subject_id    uuid        NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  collection    text        NOT NULL REFERENCES collections (name),
  model_id      text        NOT NULL,
  dimension     integer     NOT NULL CHECK (dimension > 0),
  -- float32 little-endian, dimension * 4 bytes: compact and exact on round trip.
  embedding     bytea       NOT NULL CHECK (octet_length(embedding) = dimension * 4),
  box_x         real        NOT NULL,
  box_y         real        NOT NULL,
  box_width     real        NOT NULL,
  box_height    real        NOT NULL,
  score         real        NOT NULL,
  -- [[x, y], ...] in the detector's landmark order; null when the detector gave none.
  landmarks     jsonb,
  image_sha256  text,
  quality       jsonb,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX faces_subject_idx ON faces (subject_id, created_at);
CREATE INDEX faces_collection_idx ON faces (collection);
