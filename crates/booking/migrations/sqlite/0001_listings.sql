-- Read model of the catalog's listings, built from `listing.*` events: what booking needs to
-- sell them (kind, owner, time zone, currency, policy, the kind's block with capacity and
-- prices). `version` keeps a late, older event from overwriting a newer state.
CREATE TABLE listings (
    id BLOB NOT NULL PRIMARY KEY,
    owner_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    timezone TEXT NOT NULL,
    currency TEXT NOT NULL,
    cancellation_policy TEXT NOT NULL,
    instant_book BOOLEAN NOT NULL,
    data TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
