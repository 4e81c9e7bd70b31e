DROP TABLE credit_ledger;
DROP FUNCTION credit_ledger_append_only();
DROP TABLE credit_accounts;
DROP TABLE api_keys;
DROP TABLE users;
