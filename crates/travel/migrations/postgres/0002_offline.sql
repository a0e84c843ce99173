-- The offline supplier's state: what it has sold (seats of a flight and cabin, rooms of a
-- hotel and night, places of an activity or transfer) and the orders it has taken. Everything
-- else it answers is generated from the bundled reference data and the seed.
CREATE TABLE offline_inventory (
    -- `F|AF0012|2027-01-15|ECONOMY`, `H|HTPAR004|STANDARD|2027-01-15`, …
    key TEXT NOT NULL PRIMARY KEY,
    sold BIGINT NOT NULL
);

CREATE TABLE offline_orders (
    id TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    -- The caller's idempotency key: a retry answers the same order.
    idempotency_key TEXT,
    status TEXT NOT NULL,
    -- The inventory it holds, `[{key, count}]`, given back when cancelled.
    holds JSONB NOT NULL,
    answer JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT offline_orders_idempotency_key UNIQUE (idempotency_key)
);
