-- A provider is a user who offers listings (a HomeTrip host, a BookingSysteme merchant).
CREATE TABLE providers (
    id BLOB NOT NULL PRIMARY KEY,
    user_id BLOB NOT NULL,
    display_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    contact_email TEXT,
    contact_phone TEXT,
    default_currency TEXT NOT NULL,
    timezone TEXT NOT NULL,
    payout_account_ref TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT providers_user_key UNIQUE (user_id)
);

-- One table for every kind: the common fields as columns (filtered on), the kind's own block
-- as JSON. `version` guards concurrent edits (If-Match).
CREATE TABLE listings (
    id BLOB NOT NULL PRIMARY KEY,
    provider_id BLOB NOT NULL,
    owner_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    address TEXT NOT NULL,
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    lat DOUBLE PRECISION,
    lng DOUBLE PRECISION,
    timezone TEXT NOT NULL,
    currency TEXT NOT NULL,
    amenities TEXT NOT NULL,
    house_rules TEXT NOT NULL,
    cancellation_policy TEXT NOT NULL,
    instant_book BOOLEAN NOT NULL,
    details TEXT NOT NULL,
    version BIGINT NOT NULL,
    published_at TEXT,
    deleted_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX listings_public ON listings (status, kind, country, city);
CREATE INDEX listings_owner ON listings (owner_id, created_at);
