DROP INDEX declarers_by_name_key;
