-- DreamScape's admin back-office over bookings by reference: when a booking was paid
-- (DreamScape's `confirmedAt`) and an administrators' area of its data (notes, the reason of
-- an administrator's cancellation, free fields), kept apart from the priced lines.
ALTER TABLE trips ADD COLUMN confirmed_at TEXT;
ALTER TABLE trips ADD COLUMN admin_data TEXT NOT NULL DEFAULT '{}';
-- Bookings paid before this column: their last change is the closest known time.
UPDATE trips SET confirmed_at = updated_at WHERE paid > 0;
CREATE INDEX trips_created ON trips (created_at);
