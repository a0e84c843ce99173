-- Reviews' rating summary per listing (`review.summary_changed`), newest version only: shown in
-- every listing view. `rating`, `categories` and `distribution` are null while reviews shows no
-- average (fewer than 3 reviews); the version stays, so a late older summary is skipped.
CREATE TABLE listing_ratings (
    listing_id BLOB NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL,
    rating REAL,
    review_count INTEGER NOT NULL,
    categories TEXT,
    distribution TEXT,
    updated_at TEXT NOT NULL
);
