-- What a host set on particular nights: blocked, or a different price or minimum stay.
CREATE TABLE calendar_nights (
    listing_id UUID NOT NULL,
    night DATE NOT NULL,
    blocked BOOLEAN NOT NULL,
    price BIGINT,
    min_nights BIGINT,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (listing_id, night)
);
