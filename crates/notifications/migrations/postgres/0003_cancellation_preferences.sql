-- Booking cancellations get a preference of their own (`booking_cancelled`, DreamScape's key);
-- until now they followed `booking_confirmation` (booking updates). Users keep what they chose:
-- their booking-updates choices are copied to cancellations.
INSERT INTO notification_preferences (user_id, type, channel, enabled, updated_at)
SELECT user_id, 'booking_cancelled', channel, enabled, updated_at
FROM notification_preferences
WHERE type = 'booking_confirmation';
