-- A listing's rating is cleared (null) when reviews stops showing it (fewer than 3 reviews,
-- e.g. after one was hidden by moderation): the row keeps its version and review count, so a
-- late older summary still cannot bring the stale rating back.
ALTER TABLE listing_ratings ALTER COLUMN rating DROP NOT NULL;
