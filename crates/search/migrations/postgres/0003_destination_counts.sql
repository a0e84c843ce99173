-- Popular destinations: per day (days since 1970-01-01, UTC) and place (the city and country as
-- listings write them; country '' when unknown), how many bookings were confirmed there and how
-- many searches named it. Searches are counted in memory and added here every few seconds.
CREATE TABLE destination_counts (
    day BIGINT NOT NULL,
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    bookings BIGINT NOT NULL DEFAULT 0,
    searches BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, city, country)
);
