-- Phone verification by SMS code: at most one pending code per account, for one number. Only
-- a keyed digest of the code is stored; a wrong guess spends one of its attempts, a right one
-- deletes the row (single use) as it marks the number verified.
CREATE TABLE phone_verifications (
    user_id UUID PRIMARY KEY,
    -- E.164, the number the code was sent to.
    phone_number TEXT NOT NULL,
    code_hash BYTEA NOT NULL,
    attempts BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX phone_verifications_expires ON phone_verifications (expires_at);
