-- VR sessions opened by PIN. One PIN space for both kinds: DreamScape's destination sessions
-- (single use, `expires_at` 10 minutes after creation) and our guided tour sessions
-- (`tour_session_id` set, `expires_at` NULL: the PIN lives as long as its tour session).
CREATE TABLE vr_sessions (
    pin TEXT PRIMARY KEY,
    destination TEXT NOT NULL,
    tour_session_id UUID,
    creator_id UUID,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ,
    used_at TIMESTAMPTZ
);
CREATE INDEX vr_sessions_expiry ON vr_sessions (expires_at);
CREATE INDEX vr_sessions_tour_session ON vr_sessions (tour_session_id);

-- A tour shown live: the leader's current scene, view and pointer (`state`, a JSON document)
-- and its sequence number. Expires 2 hours after the last activity.
CREATE TABLE tour_sessions (
    id UUID PRIMARY KEY,
    pin TEXT NOT NULL UNIQUE,
    tour_id UUID NOT NULL,
    listing_id UUID NOT NULL,
    leader_id UUID NOT NULL,
    state JSONB NOT NULL,
    seq BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX tour_sessions_leader ON tour_sessions (leader_id);
CREATE INDEX tour_sessions_expiry ON tour_sessions (expires_at);

-- Who joined a tour session with its PIN (and so may follow it over the realtime channel).
CREATE TABLE tour_session_viewers (
    session_id UUID NOT NULL,
    user_id UUID NOT NULL,
    joined_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX tour_session_viewers_user ON tour_session_viewers (user_id);
