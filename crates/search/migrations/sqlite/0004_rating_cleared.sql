-- A listing's rating is cleared (null) when reviews stops showing it (fewer than 3 reviews,
-- e.g. after one was hidden by moderation): the row keeps its version and review count, so a
-- late older summary still cannot bring the stale rating back. SQLite cannot drop NOT NULL in
-- place: the table is rebuilt.
CREATE TABLE listing_ratings_new (
    listing_id BLOB NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL,
    rating REAL,
    review_count INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO listing_ratings_new (listing_id, version, rating, review_count, updated_at)
    SELECT listing_id, version, rating, review_count, updated_at FROM listing_ratings;
DROP TABLE listing_ratings;
ALTER TABLE listing_ratings_new RENAME TO listing_ratings;
