DROP TABLE declaration_changes;
DROP TABLE change_log_head;
