-- Every money movement, who caused it and from which request: kept for audits, never updated.
CREATE TABLE audit_log (
    id BLOB NOT NULL PRIMARY KEY,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    reservation_id BLOB,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    actor_id BLOB,
    request_id TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
