-- What users tell about themselves and how they want the product to behave; the account row
-- (users) keeps what identifies and authenticates them.
CREATE TABLE profiles (
    user_id BLOB NOT NULL PRIMARY KEY,
    bio TEXT,
    avatar_url TEXT,
    date_of_birth TEXT,
    language TEXT,
    currency TEXT,
    timezone TEXT,
    theme TEXT,
    updated_at TEXT NOT NULL
);

-- A suspension with an end: lifted at the first sign-in attempt after it.
ALTER TABLE users ADD COLUMN suspended_until TEXT;
ALTER TABLE users ADD COLUMN phone_verified_at TEXT;
