-- Listings as catalog's events describe them: who owns each, and whether the public may see it.
CREATE TABLE listings (
    id BLOB NOT NULL PRIMARY KEY,
    owner_id BLOB NOT NULL,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Panoramas and videos of a listing. `status`: processing → ready | failed. `size_bytes` counts
-- against the listing's quota from the moment the upload is accepted.
CREATE TABLE media_objects (
    id BLOB NOT NULL PRIMARY KEY,
    listing_id BLOB NOT NULL,
    owner_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    failure TEXT,
    title TEXT,
    object_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    duration_ms INTEGER,
    variants TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX media_objects_listing ON media_objects (listing_id, created_at);
CREATE INDEX media_objects_owner ON media_objects (owner_id);

-- Chunked (resumable) uploads in progress; the bytes received so far are in a spool file.
-- `size_bytes` (declared) is reserved against the quota until the upload ends.
CREATE TABLE media_uploads (
    id BLOB NOT NULL PRIMARY KEY,
    listing_id BLOB NOT NULL,
    owner_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    title TEXT,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    received_bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX media_uploads_listing ON media_uploads (listing_id);
CREATE INDEX media_uploads_expiry ON media_uploads (expires_at);

-- One virtual tour per listing: its scenes and hotspots as one document, edited as a whole
-- under optimistic concurrency (`version`, the ETag clients send back in If-Match).
CREATE TABLE tours (
    listing_id BLOB NOT NULL PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    owner_id BLOB NOT NULL,
    document TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Which panoramas a tour's scenes show (so a panorama in use is not deleted).
CREATE TABLE tour_panoramas (
    listing_id BLOB NOT NULL,
    object_id BLOB NOT NULL,
    PRIMARY KEY (listing_id, object_id)
);
CREATE INDEX tour_panoramas_object ON tour_panoramas (object_id);
