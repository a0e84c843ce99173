-- Reviews' rating summary per listing (`review.summary_changed`), newest version only: shown in
-- every listing view. `rating`, `categories` and `distribution` are null while reviews shows no
-- average (fewer than 3 reviews); the version stays, so a late older summary is skipped.
CREATE TABLE listing_ratings (
    listing_id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    rating DOUBLE PRECISION,
    review_count BIGINT NOT NULL,
    categories JSONB,
    distribution JSONB,
    updated_at TIMESTAMPTZ NOT NULL
);
