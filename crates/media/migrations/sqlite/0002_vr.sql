-- VR sessions opened by PIN. One PIN space for both kinds: DreamScape's destination sessions
-- (single use, `expires_at` 10 minutes after creation) and our guided tour sessions
-- (`tour_session_id` set, `expires_at` NULL: the PIN lives as long as its tour session).
CREATE TABLE vr_sessions (
    pin TEXT NOT NULL PRIMARY KEY,
    destination TEXT NOT NULL,
    tour_session_id BLOB,
    creator_id BLOB,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    used_at TEXT
);
CREATE INDEX vr_sessions_expiry ON vr_sessions (expires_at);
CREATE INDEX vr_sessions_tour_session ON vr_sessions (tour_session_id);

-- A tour shown live: the leader's current scene, view and pointer (`state`, a JSON document)
-- and its sequence number. Expires 2 hours after the last activity.
CREATE TABLE tour_sessions (
    id BLOB NOT NULL PRIMARY KEY,
    pin TEXT NOT NULL UNIQUE,
    tour_id BLOB NOT NULL,
    listing_id BLOB NOT NULL,
    leader_id BLOB NOT NULL,
    state TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX tour_sessions_leader ON tour_sessions (leader_id);
CREATE INDEX tour_sessions_expiry ON tour_sessions (expires_at);

-- Who joined a tour session with its PIN (and so may follow it over the realtime channel).
CREATE TABLE tour_session_viewers (
    session_id BLOB NOT NULL,
    user_id BLOB NOT NULL,
    joined_at TEXT NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX tour_session_viewers_user ON tour_session_viewers (user_id);
