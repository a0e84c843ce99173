-- When a reservation starts (payouts wait until 24 hours after), from booking's events.
ALTER TABLE payables ADD COLUMN starts_at TEXT;

-- What each captured reservation earns its host, net of refunds, and the payout that paid it.
CREATE TABLE host_earnings (
    reservation_id BLOB NOT NULL PRIMARY KEY,
    host_id BLOB NOT NULL,
    currency TEXT NOT NULL,
    amount BIGINT NOT NULL,
    available_at TEXT NOT NULL,
    payout_id TEXT
);
CREATE INDEX host_earnings_due ON host_earnings (available_at) WHERE payout_id IS NULL;

CREATE TABLE payouts (
    id TEXT NOT NULL PRIMARY KEY,
    host_id BLOB NOT NULL,
    currency TEXT NOT NULL,
    amount BIGINT NOT NULL,
    status TEXT NOT NULL,
    reservations BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX payouts_host ON payouts (host_id, created_at);
