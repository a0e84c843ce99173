-- The listing's public view as last applied (null when it is not in the index): the index can
-- then be rebuilt from this database alone (new schema version, lost directory).
ALTER TABLE indexed_listings ADD COLUMN doc TEXT;

-- Booking's `availability.changed` payload per listing, newest version only.
CREATE TABLE listing_availability (
    listing_id BLOB NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Reviews' `review.summary_changed` per listing, newest version only.
CREATE TABLE listing_ratings (
    listing_id BLOB NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL,
    rating REAL NOT NULL,
    review_count INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

-- Listings changed here whose index commit is not confirmed yet (the writer commits at most
-- every 250 ms, after this database's transaction): replayed from this database at start-up,
-- so a crash in between loses nothing. `token` names the change; the row is deleted only when
-- that same change is committed.
CREATE TABLE index_pending (
    listing_id BLOB NOT NULL PRIMARY KEY,
    token BLOB NOT NULL
);
