CREATE TABLE users (
    id BLOB NOT NULL PRIMARY KEY,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    username TEXT,
    username_key TEXT,
    phone_number TEXT,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    email_verified_at TEXT,
    onboarding_completed BOOLEAN NOT NULL,
    mfa_secret TEXT,
    mfa_pending_secret TEXT,
    -- Last TOTP time step accepted: a code is never accepted twice (RFC 6238 §5.2).
    mfa_last_step BIGINT,
    mfa_enabled_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_username_key UNIQUE (username_key)
);

-- A session is one login on one device: the family of refresh tokens rotated from it.
CREATE TABLE sessions (
    id BLOB NOT NULL PRIMARY KEY,
    user_id BLOB NOT NULL,
    remember_me BOOLEAN NOT NULL,
    user_agent TEXT,
    ip TEXT,
    device_label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_revoked_at ON sessions (revoked_at);

-- Only hashes are stored. A row with rotated_at set is spent: presenting it again is reuse.
CREATE TABLE refresh_tokens (
    token_hash BLOB NOT NULL PRIMARY KEY,
    session_id BLOB NOT NULL,
    issued_at TEXT NOT NULL,
    rotated_at TEXT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Email verification and password reset links: hashed, expiring, single use.
CREATE TABLE one_time_tokens (
    token_hash BLOB NOT NULL PRIMARY KEY,
    user_id BLOB NOT NULL,
    purpose TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id, purpose);

CREATE TABLE recovery_codes (
    user_id BLOB NOT NULL,
    code_hash BLOB NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
);
