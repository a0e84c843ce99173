-- Top lists ranked ahead for the windows administrators open most: the last 7, 30, 90 and 365
-- UTC days ending on the day of the refresh. Ranking a long period at request time groups every
-- booking of it (hundreds of milliseconds at 100k listings and a year of bookings); a job of
-- insights re-ranks these windows every few minutes and the top lists serve them from here when
-- a request asks for exactly such a period. Any other period is still ranked at request time.

-- One row per window: the period it ranked and when (`refreshed_at`: bookings recorded after it
-- are not in the window's lists yet).
CREATE TABLE insights_top_windows (
    days BIGINT NOT NULL PRIMARY KEY,
    from_day DATE NOT NULL,
    to_day DATE NOT NULL,
    refreshed_at TIMESTAMPTZ NOT NULL
);

-- The first 50 of each window, dimension (`listing`, `host`, `destination`), ranking (`gmv`,
-- `bookings`) and currency, in order (`place` from 1); `label` as the top list answers it.
CREATE TABLE insights_top_entries (
    days BIGINT NOT NULL,
    dimension TEXT NOT NULL,
    ranking TEXT NOT NULL,
    currency TEXT NOT NULL,
    place BIGINT NOT NULL,
    item_id TEXT NOT NULL,
    label TEXT,
    bookings BIGINT NOT NULL,
    gmv BIGINT NOT NULL,
    PRIMARY KEY (days, dimension, ranking, currency, place)
);

-- Host dashboards sum a host's rollup rows over two periods (a year and the year before: some
-- 2,600 rows for a host of 100 listings at 1,500 bookings a day). Through the (host_id, day)
-- index each row was a lookup in the table; this index holds every column they read, so the
-- sums are one range scan of it (13 ms → 2–3 ms for such a host on SQLite).
CREATE INDEX insights_listing_days_host_sums ON insights_listing_days (host_id, day, listing_id, currency,
    nights_booked, room_revenue, gross, fees, net, bookings, stay_bookings, bookings_cancelled, lead_time_days_sum,
    length_sum, cancellations, requests, ratings, rating_sum);
DROP INDEX insights_listing_days_host;
