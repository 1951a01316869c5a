-- The ordered change log of the gallery: every change that the search index must apply, written in the
-- same transaction as the change itself. Sequence numbers come from one counter row that each writing
-- transaction updates just before it commits: the row lock orders commits, so numbers are gapless and
-- in commit order, and a replica that sees seq N+2 before N+1 knows N+1 is committed and can be read.
CREATE TABLE change_seq (
  id   boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq  bigint  NOT NULL
);
INSERT INTO change_seq (id, seq) VALUES (true, 0);

CREATE TABLE change_log (
  seq         bigint      PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  collection  text        NOT NULL,
  op          text        NOT NULL CHECK (op IN ('add', 'remove', 'settings')),
  -- add: the one face added (its embedding is read from faces; a face deleted since has a later 'remove');
  -- remove: every face removed
  face_ids    uuid[]      NOT NULL DEFAULT '{}',
  subject_id  uuid
);
