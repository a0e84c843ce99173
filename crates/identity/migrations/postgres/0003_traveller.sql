-- The onboarding questionnaire: answers per step (JSON object keyed by step name).
CREATE TABLE onboarding (
    user_id UUID PRIMARY KEY,
    steps JSONB NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ
);

-- Saved items. One row per (user, type, item): adding twice is a no-op.
CREATE TABLE favorites (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    item_type TEXT NOT NULL,
    item_id TEXT NOT NULL,
    item_data JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT favorites_item_key UNIQUE (user_id, item_type, item_id)
);
CREATE INDEX favorites_user_created ON favorites (user_id, created_at);

-- What the user did: searches, views, bookings, favourites. Deletable by the user.
CREATE TABLE history (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    kind TEXT NOT NULL,
    item_type TEXT,
    item_id TEXT,
    data JSONB,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX history_user_created ON history (user_id, created_at);
