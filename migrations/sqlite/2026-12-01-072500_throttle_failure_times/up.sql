-- The times of the recent failures of each key, so that the limit holds in any window of its
-- length (a sliding window), not only in windows that start at a first failure.
ALTER TABLE throttles ADD COLUMN failure_times TEXT NOT NULL DEFAULT '';
