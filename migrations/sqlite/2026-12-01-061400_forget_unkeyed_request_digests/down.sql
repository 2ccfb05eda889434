-- The dropped answers cannot be restored, and need not be.
SELECT 1;
