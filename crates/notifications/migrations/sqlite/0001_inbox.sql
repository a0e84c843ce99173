-- One row per notification in a user's in-app inbox. `data` is JSON kept as text: the inbox
-- never queries inside it, it only hands it back to the client.
CREATE TABLE notifications (
    id BLOB NOT NULL PRIMARY KEY,
    user_id BLOB NOT NULL,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    data TEXT NOT NULL,
    read_at TEXT,
    created_at TEXT NOT NULL,
    -- The event this notification was made from: a redelivered event cannot add a second one.
    source_event_id BLOB,
    CONSTRAINT notifications_source_event_id_key UNIQUE (source_event_id)
);
CREATE INDEX notifications_user_created ON notifications (user_id, created_at);

-- Only choices that a user made are stored; everything else is the default (see domain).
CREATE TABLE notification_preferences (
    user_id BLOB NOT NULL,
    type TEXT NOT NULL,
    channel TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, type, channel)
);
