-- Photos are processed by the `catalog.photo` job: an upload is `processing` (no variants yet,
-- its original kept under the private `original_key`), then `ready` or `failed` (`failure`
-- says why). Photos stored before the job queue are ready.
ALTER TABLE listing_photos ADD COLUMN status TEXT NOT NULL DEFAULT 'ready';
ALTER TABLE listing_photos ADD COLUMN failure TEXT;
ALTER TABLE listing_photos ADD COLUMN original_key TEXT;

-- The media context's objects per listing, from its events (`media.ready`, `media.failed`,
-- `media.deleted`): what the listing view's `media` summary counts. A failed or deleted object
-- stays as a tombstone (`gone`), so a late `media.ready` does not bring it back.
CREATE TABLE listing_media (
    object_id UUID PRIMARY KEY,
    listing_id UUID NOT NULL,
    kind TEXT NOT NULL,
    thumb_url TEXT,
    ready_at TIMESTAMPTZ NOT NULL,
    gone BOOLEAN NOT NULL
);
CREATE INDEX listing_media_listing ON listing_media (listing_id, ready_at);

-- The listing's virtual tour (`media.tour_changed`, `media.tour_deleted`), newest version
-- only; a deleted tour stays as a tombstone so a late change does not revive it.
CREATE TABLE listing_tours (
    tour_id UUID PRIMARY KEY,
    listing_id UUID NOT NULL,
    version BIGINT NOT NULL,
    scenes BIGINT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    deleted BOOLEAN NOT NULL
);
CREATE INDEX listing_tours_listing ON listing_tours (listing_id);
