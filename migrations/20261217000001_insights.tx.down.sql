DROP TABLE idempotency_keys;
DROP TABLE insights;
DROP TABLE insight_types;
DROP TABLE insight_categories;
