-- Every money movement, who caused it and from which request: kept for audits, never updated.
CREATE TABLE audit_log (
    id UUID PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    reservation_id UUID,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    actor_id UUID,
    request_id TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
