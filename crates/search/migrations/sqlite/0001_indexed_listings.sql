-- What the index holds, one row per listing seen in catalog's events: the last version
-- applied (an older or replayed event never overwrites a newer one) and whether that version
-- is in the index (published) or was removed from it.
CREATE TABLE indexed_listings (
    id BLOB NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL,
    indexed INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
