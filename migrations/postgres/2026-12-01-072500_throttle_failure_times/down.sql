ALTER TABLE throttles DROP COLUMN failure_times;
