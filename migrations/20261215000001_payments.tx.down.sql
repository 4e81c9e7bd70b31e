DROP TABLE payment_events;
DROP TABLE payments;
DROP TABLE credit_packs;
