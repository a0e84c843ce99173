-- What a host set on particular nights: blocked, or a different price or minimum stay.
CREATE TABLE calendar_nights (
    listing_id BLOB NOT NULL,
    night TEXT NOT NULL,
    blocked BOOLEAN NOT NULL,
    price BIGINT,
    min_nights BIGINT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (listing_id, night)
);
