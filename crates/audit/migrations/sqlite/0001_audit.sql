-- The audit log: append-only, one hash chain (see src/chain.rs). `seq` is dense from 1 in
-- append order; `hash` covers `prev_hash` and every other column. Nothing updates a row; the
-- retention job deletes the oldest ones and moves `audit_anchor`.
CREATE TABLE audit_entries (
    seq BIGINT NOT NULL PRIMARY KEY,
    id BLOB NOT NULL,
    at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    category TEXT NOT NULL,
    action TEXT NOT NULL,
    actor_id BLOB,
    subject_type TEXT,
    subject_id TEXT,
    amount BIGINT,
    currency TEXT,
    ip TEXT,
    source_event_id BLOB NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE UNIQUE INDEX audit_entries_id ON audit_entries (id);
-- A redelivered event appends nothing.
CREATE UNIQUE INDEX audit_entries_source ON audit_entries (source_event_id);
CREATE INDEX audit_entries_category ON audit_entries (category, seq);
CREATE INDEX audit_entries_action ON audit_entries (action, seq);
CREATE INDEX audit_entries_actor ON audit_entries (actor_id, seq);
CREATE INDEX audit_entries_subject ON audit_entries (subject_type, subject_id, seq);
CREATE INDEX audit_entries_at ON audit_entries (at);
CREATE INDEX audit_entries_recorded ON audit_entries (recorded_at);

-- The chain's head: the last entry's seq and hash. One row; appends lock it (SQLite's single
-- writer does), so there is one chain whatever the number of processes.
CREATE TABLE audit_head (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Where the chain starts after retention pruned its beginning: the last deleted entry's seq
-- and hash (0 and the zero hash until something is pruned).
CREATE TABLE audit_anchor (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    pruned_at TEXT
);
INSERT INTO audit_anchor (id, seq, hash, pruned_at) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', NULL);
