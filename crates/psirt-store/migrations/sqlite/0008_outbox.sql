-- Notifications through an outbox (SQLite; keep in lockstep with ../postgres/0008_outbox.sql):
-- every notification is written in the transaction of the change that causes it, then
-- delivered by a worker with retries; nothing is lost when a receiver is down.

CREATE TABLE webhook_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    -- The HMAC-SHA256 key. Kept as given: the worker needs it to sign.
    secret TEXT NOT NULL,
    -- JSON list of audit actions (`case.transition`) or prefixes (`case.*`), or ["*"].
    events TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- webhook | email
    channel TEXT NOT NULL,
    subscription_id INTEGER REFERENCES webhook_subscriptions (id),
    -- The audit action that caused it.
    event TEXT NOT NULL,
    -- Sent with every attempt (X-Psirt-Delivery, Message-ID): receivers deduplicate on it.
    idempotency_key TEXT NOT NULL UNIQUE,
    -- A URL or an e-mail address.
    recipient TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- pending | delivered | dead
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- A worker holds the message until then; a crashed worker's lease simply runs out.
    locked_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Every delivery attempt.
CREATE TABLE outbox_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id INTEGER NOT NULL REFERENCES outbox (id),
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    ok BOOLEAN NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_attempts_message ON outbox_attempts (outbox_id);

-- Admin-edited e-mail templates (built-in defaults apply to keys without a row).
CREATE TABLE email_templates (
    template_key TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
