-- What the index holds, one row per listing seen in catalog's events: the last version
-- applied (an older or replayed event never overwrites a newer one) and whether that version
-- is in the index (published) or was removed from it.
CREATE TABLE indexed_listings (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    indexed BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
