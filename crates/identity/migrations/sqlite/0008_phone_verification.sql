-- Phone verification by SMS code: at most one pending code per account, for one number. Only
-- a keyed digest of the code is stored; a wrong guess spends one of its attempts, a right one
-- deletes the row (single use) as it marks the number verified.
CREATE TABLE phone_verifications (
    user_id BLOB NOT NULL PRIMARY KEY,
    -- E.164, the number the code was sent to.
    phone_number TEXT NOT NULL,
    code_hash BLOB NOT NULL,
    attempts BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX phone_verifications_expires ON phone_verifications (expires_at);
