-- A collection's 1:N rate: the chance that a stranger is matched to someone (target_fmr is a 1:1 rate, refused for identify).
ALTER TABLE collections
  ADD COLUMN target_fpir double precision CHECK (target_fpir > 0 AND target_fpir < 1);
