-- Booking publishes each listing's availability (`availability.changed`); this counter numbers
-- those events per listing, so a reader applies them in order and skips stale ones. Bumping it
-- is also what orders two publications of one listing (a row lock on PostgreSQL).
ALTER TABLE listings ADD COLUMN availability_version BIGINT NOT NULL DEFAULT 0;
