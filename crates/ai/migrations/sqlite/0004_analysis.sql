-- ai's analysis part: review sentiment (reviews' review.published / review.moderated), the
-- inputs of the trip-purpose model (booking's booking.confirmed), who owns which listing
-- (catalog's listing.*), and the perceptual hashes of photos analysed for a listing.

-- One guest review of a listing, scored by the lexicon when it was published. The text is not
-- kept: only its score and the phrases that decided. Hidden reviews stay out of aggregates.
CREATE TABLE ai_analysis_reviews (
    review_id BLOB NOT NULL PRIMARY KEY,
    listing_id BLOB NOT NULL,
    score REAL NOT NULL,
    language TEXT NOT NULL,
    words TEXT NOT NULL,
    hidden BOOLEAN NOT NULL,
    published_at TEXT NOT NULL
);
CREATE INDEX ai_analysis_reviews_listing ON ai_analysis_reviews (listing_id);

-- A confirmed reservation's trip-purpose inputs (the prediction is computed when read).
CREATE TABLE ai_analysis_trips (
    reservation_id BLOB NOT NULL PRIMARY KEY,
    listing_id BLOB NOT NULL,
    guest_id BLOB,
    host_id BLOB,
    inputs TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ai_analysis_trips_guest ON ai_analysis_trips (guest_id);

-- Listings and their owners.
CREATE TABLE ai_analysis_listings (
    listing_id BLOB NOT NULL PRIMARY KEY,
    owner_id BLOB NOT NULL,
    deleted BOOLEAN NOT NULL
);
CREATE INDEX ai_analysis_listings_owner ON ai_analysis_listings (owner_id);

-- A photo analysed for a listing (`POST /api/v1/ai/images/analyze?listingId=`): its pHash.
CREATE TABLE ai_analysis_photos (
    id BLOB NOT NULL PRIMARY KEY,
    listing_id BLOB NOT NULL,
    host_id BLOB NOT NULL,
    hash TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ai_analysis_photos_host ON ai_analysis_photos (host_id, created_at);
