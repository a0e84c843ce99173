-- Conversations: an enquiry (guest ↔ host about a listing), a reservation's conversation (its
-- id derived from the reservation's) or a support thread (a user and the administrators).
CREATE TABLE conversations (
    id BLOB NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    listing_id BLOB,
    reservation_id BLOB,
    guest_id BLOB,
    host_id BLOB,
    subject TEXT,
    -- `guest:listing` for enquiries: one open enquiry per guest and listing.
    enquiry_key TEXT,
    last_message_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT conversations_enquiry_key UNIQUE (enquiry_key)
);
CREATE INDEX conversations_kind_last ON conversations (kind, last_message_at);
CREATE INDEX conversations_reservation ON conversations (reservation_id);

-- Who takes part, and each participant's own state: read receipt, archive, mute.
CREATE TABLE participants (
    conversation_id BLOB NOT NULL,
    user_id BLOB NOT NULL,
    role TEXT NOT NULL,
    last_read_message_id BLOB,
    last_read_created_at TEXT,
    read_at TEXT,
    archived BOOLEAN NOT NULL,
    muted BOOLEAN NOT NULL,
    joined_at TEXT NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX participants_user ON participants (user_id);

-- Messages. `body` is what the author wrote; `masked_body` (when contact details were hidden)
-- is what the other party reads. `source_key` makes system messages written from events
-- idempotent; `author_erased` marks an author anonymised by a GDPR erasure.
CREATE TABLE messages (
    id BLOB NOT NULL PRIMARY KEY,
    conversation_id BLOB NOT NULL,
    author_id BLOB,
    author_erased BOOLEAN NOT NULL,
    kind TEXT NOT NULL,
    code TEXT,
    body TEXT,
    masked_body TEXT,
    mask_ranges TEXT,
    client_message_id TEXT,
    source_key TEXT,
    deleted_at TEXT,
    created_at TEXT NOT NULL,
    CONSTRAINT messages_source_key UNIQUE (source_key)
);
CREATE INDEX messages_conversation_created ON messages (conversation_id, created_at, id);
CREATE INDEX messages_author ON messages (author_id);

-- Files attached to messages, stored in the object store under a random key.
CREATE TABLE attachments (
    id BLOB NOT NULL PRIMARY KEY,
    message_id BLOB NOT NULL,
    conversation_id BLOB NOT NULL,
    storage_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);

-- `Idempotency-Key` of sends: the same key by the same user answers the same message.
CREATE TABLE message_keys (
    user_id BLOB NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    message_id BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

CREATE TABLE blocks (
    blocker_id BLOB NOT NULL,
    blocked_id BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id);

CREATE TABLE message_reports (
    id BLOB NOT NULL PRIMARY KEY,
    message_id BLOB NOT NULL,
    conversation_id BLOB NOT NULL,
    reporter_id BLOB,
    reason TEXT NOT NULL,
    details TEXT,
    status TEXT NOT NULL,
    action TEXT,
    note TEXT,
    resolved_by BLOB,
    resolved_at TEXT,
    created_at TEXT NOT NULL
);
-- One open report per reporter and message.
CREATE UNIQUE INDEX message_reports_open ON message_reports (reporter_id, message_id) WHERE status = 'open';
CREATE INDEX message_reports_status ON message_reports (status, created_at);

-- Read models of other contexts, from their events: who hosts a listing (catalog's
-- `listing.*`) and where each reservation stands (booking's `booking.*`).
CREATE TABLE listings (
    id BLOB NOT NULL PRIMARY KEY,
    owner_id BLOB NOT NULL,
    status TEXT NOT NULL,
    title TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE reservations (
    id BLOB NOT NULL PRIMARY KEY,
    listing_id BLOB NOT NULL,
    guest_id BLOB,
    host_id BLOB,
    status TEXT NOT NULL,
    starts_at TEXT,
    ends_at TEXT,
    checked_in_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX reservations_due_check_in ON reservations (status, starts_at);
