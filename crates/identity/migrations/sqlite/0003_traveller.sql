-- The onboarding questionnaire: answers per step (JSON object keyed by step name).
CREATE TABLE onboarding (
    user_id BLOB NOT NULL PRIMARY KEY,
    steps TEXT NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    completed_at TEXT
);

-- Saved items. One row per (user, type, item): adding twice is a no-op.
CREATE TABLE favorites (
    id BLOB NOT NULL PRIMARY KEY,
    user_id BLOB NOT NULL,
    item_type TEXT NOT NULL,
    item_id TEXT NOT NULL,
    item_data TEXT,
    created_at TEXT NOT NULL,
    CONSTRAINT favorites_item_key UNIQUE (user_id, item_type, item_id)
);
CREATE INDEX favorites_user_created ON favorites (user_id, created_at);

-- What the user did: searches, views, bookings, favourites. Deletable by the user.
CREATE TABLE history (
    id BLOB NOT NULL PRIMARY KEY,
    user_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    item_type TEXT,
    item_id TEXT,
    data TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX history_user_created ON history (user_id, created_at);
