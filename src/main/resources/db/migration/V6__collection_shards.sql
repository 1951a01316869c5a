-- How many index shards a collection's faces are split into, fixed when the collection is created
-- (INDEX_SHARDS then): every node must agree on it, and changing it would move every face.
-- Collections created before shards existed keep one shard.
ALTER TABLE collections ADD COLUMN shards integer CHECK (shards BETWEEN 1 AND 1024);

-- Each change-log entry carries its collection's shard count, so a replica can place every face it applies.
ALTER TABLE change_log ADD COLUMN shards integer NOT NULL DEFAULT 1;
