-- Per-collection decision settings; null = the service default.
ALTER TABLE collections
  ADD COLUMN threshold  real CHECK (threshold BETWEEN -1 AND 1),
  ADD COLUMN target_fmr double precision CHECK (target_fmr > 0 AND target_fmr < 1),
  ADD COLUMN min_margin real CHECK (min_margin BETWEEN 0 AND 1);
