-- Public search: by city (the filter is case-insensitive, so the index is on LOWER(city)),
-- and the newest-first public list with no filter or a kind only.
CREATE INDEX listings_city_search ON listings (LOWER(city), status, published_at);
CREATE INDEX listings_newest ON listings (status, published_at);
