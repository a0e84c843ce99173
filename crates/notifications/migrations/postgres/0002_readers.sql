-- What notices need to know about their reader, learnt from identity's `user.profile_updated`
-- events: the language they are written in (NULL: the default, English). A user who never
-- changed their profile has no row.
CREATE TABLE notification_readers (
    user_id UUID PRIMARY KEY,
    language TEXT,
    -- When the event that set it happened: an older event never overwrites a newer one.
    updated_at TIMESTAMPTZ NOT NULL
);
