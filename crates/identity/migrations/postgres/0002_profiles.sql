-- What users tell about themselves and how they want the product to behave; the account row
-- (users) keeps what identifies and authenticates them.
CREATE TABLE profiles (
    user_id UUID PRIMARY KEY,
    bio TEXT,
    avatar_url TEXT,
    date_of_birth DATE,
    language TEXT,
    currency TEXT,
    timezone TEXT,
    theme TEXT,
    updated_at TIMESTAMPTZ NOT NULL
);

-- A suspension with an end: lifted at the first sign-in attempt after it.
ALTER TABLE users ADD COLUMN suspended_until TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN phone_verified_at TIMESTAMPTZ;
