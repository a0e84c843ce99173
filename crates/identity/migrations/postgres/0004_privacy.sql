-- Consent changes, kept as history (the current consent is the latest row per purpose).
CREATE TABLE consent_events (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    purpose TEXT NOT NULL,
    granted BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX consent_events_user ON consent_events (user_id, created_at);

-- Published versions of the privacy policy; the current one is the latest effective.
CREATE TABLE privacy_policies (
    version TEXT NOT NULL PRIMARY KEY,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    effective_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE policy_acceptances (
    user_id UUID NOT NULL,
    version TEXT NOT NULL,
    accepted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, version)
);

-- Data-subject requests (export, deletion, ...). `result` holds an export archive (JSON)
-- until `expires_at`.
CREATE TABLE gdpr_requests (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    -- What an administrator noted when handling the request.
    admin_note TEXT,
    result JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ
);
CREATE INDEX gdpr_requests_user ON gdpr_requests (user_id, created_at);

-- Who accessed or handed out a user's personal data, and when.
CREATE TABLE data_access_log (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    actor_id UUID,
    action TEXT NOT NULL,
    detail TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX data_access_log_user ON data_access_log (user_id, created_at);

INSERT INTO privacy_policies (version, title, content, effective_at, created_at) VALUES (
    '2026-11-01',
    'Sojourn privacy policy',
    'We keep the data needed to run your account and your bookings: your email address, the names and phone number you give, your sessions (device and address) and what you book and pay. We use it to provide the service, to secure your account and, only with your consent, for analytics and marketing. You can export everything we hold about you and delete your account at any time from your settings; payment records are kept as the law requires, without your name or contact details.',
    '2026-11-01T00:00:00+00:00',
    '2026-11-01T00:00:00+00:00'
);
