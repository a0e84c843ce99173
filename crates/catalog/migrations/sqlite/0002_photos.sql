-- Photos of a listing, in display order (`position` 1, 2, …). `variants` maps each size
-- (`thumb`, `medium`, `large`) to its stored object: `{ "thumb": { "key", "width", "height" } }`.
CREATE TABLE listing_photos (
    id BLOB NOT NULL PRIMARY KEY,
    listing_id BLOB NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    caption TEXT,
    variants TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX listing_photos_listing ON listing_photos (listing_id, position);
