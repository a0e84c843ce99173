-- The listings feed (search's bootstrap) walks published listings in id order, a page after
-- the last id: without this, each page sorts every published listing.
CREATE INDEX listings_feed ON listings (status, id);
