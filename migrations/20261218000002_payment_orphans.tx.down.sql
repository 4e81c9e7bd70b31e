DROP INDEX payment_events_orphans;
ALTER TABLE payment_events DROP COLUMN amount_refunded, DROP COLUMN provider_payment_id;
