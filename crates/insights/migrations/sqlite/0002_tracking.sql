-- Tracking: events clients send (page and listing views, searches, clicks), kept raw for a
-- while (`insights.tracked_retention_days`), and the counts built from them and from search's
-- `search.performed` events, which dashboards read.

-- One row per accepted tracked event. `client_id` is the id the client generated: a visitor
-- sending the same event twice stores it once (the unique key). `visitor_id` is the
-- first-party visitor id (cookie `sj_vid` or `X-Visitor-Id`); `user_id` the signed-in user,
-- set to NULL when they are erased. `at` is the client's time, replaced by `received_at` when
-- it was more than 24 hours in the past or 5 minutes in the future.
CREATE TABLE insights_tracked (
    id BLOB NOT NULL PRIMARY KEY,
    client_id BLOB NOT NULL,
    visitor_id BLOB NOT NULL,
    user_id BLOB,
    type TEXT NOT NULL,
    at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    listing_id BLOB,
    path TEXT,
    query TEXT,
    target TEXT,
    referrer TEXT,
    props TEXT,
    UNIQUE (visitor_id, client_id)
);
CREATE INDEX insights_tracked_user ON insights_tracked (user_id);
CREATE INDEX insights_tracked_at ON insights_tracked (at);
CREATE INDEX insights_tracked_received ON insights_tracked (received_at);

-- Listing views by the listing's local day and hour (its time zone from insights_listings,
-- UTC when unknown). Also created, identically, by the host dashboard's migration.
CREATE TABLE IF NOT EXISTS insights_views_hourly (
    listing_id BLOB NOT NULL,
    day TEXT NOT NULL,
    hour SMALLINT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (listing_id, day, hour)
);

-- Server-side searches (search's `search.performed`) by UTC day. Also created, identically,
-- by the admin KPIs' migration.
CREATE TABLE IF NOT EXISTS insights_searches_daily (
    day TEXT NOT NULL PRIMARY KEY,
    searches BIGINT NOT NULL
);

-- Users' analytics consent as identity's `user.consent_changed` events tell it: a signed-in
-- user's tracked events are kept only while `analytics` is granted. No row: never granted.
CREATE TABLE insights_consent (
    user_id BLOB NOT NULL PRIMARY KEY,
    analytics BOOLEAN NOT NULL,
    updated_at TEXT NOT NULL
);
