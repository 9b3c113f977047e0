-- Outbox claim counter (sqlite; keep in lockstep with ../postgres/0015_outbox_claims.sql): raised by every claim and
-- never reset (a redelivery resets `attempts`, so `attempts` cannot tell one claim from another). A worker renews
-- its lease and records an outcome only while the counter still holds its own claim's value.
ALTER TABLE outbox ADD COLUMN claim_seq BIGINT NOT NULL DEFAULT 0;
