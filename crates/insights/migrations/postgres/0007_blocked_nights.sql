-- Nights hosts closed in booking's calendar, from `availability.changed` (its `blocked`
-- list): a listing's nights available are its published nights without them. Each event
-- replaces the listing's nights of its window [from, until); nights before a window's start
-- are past and stay as they were when they passed.
CREATE TABLE insights_blocked_nights (
    listing_id UUID NOT NULL,
    night DATE NOT NULL,
    PRIMARY KEY (listing_id, night)
);

-- The last `availability.changed` version applied per listing: an older one changes nothing.
CREATE TABLE insights_availability_versions (
    listing_id UUID NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL
);
