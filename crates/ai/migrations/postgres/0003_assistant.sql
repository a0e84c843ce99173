-- The travel assistant: conversations (personal data: exported and erased with the user),
-- their messages as the model saw them, the offers its searches returned (a draft itinerary
-- may only use those), and each user's daily model usage (the per-user token and cost limits).

CREATE TABLE ai_assistant_conversations (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    title TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ai_assistant_conversations_user ON ai_assistant_conversations (user_id, updated_at);

-- `seq` orders a conversation's messages; the unique key makes two concurrent turns on one
-- conversation collide instead of interleaving. `role` is system, user, assistant or tool;
-- `extra` holds the assistant's tool calls and itinerary, or the tool message's call id.
CREATE TABLE ai_assistant_messages (
    id UUID PRIMARY KEY,
    conversation_id UUID NOT NULL,
    seq BIGINT NOT NULL,
    role TEXT NOT NULL,
    content TEXT,
    extra JSONB,
    prompt_tokens BIGINT NOT NULL DEFAULT 0,
    completion_tokens BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (conversation_id, seq)
);

-- An offer a search tool returned in a conversation: `kind` flight, hotel or activity, the
-- offer as the supplier's search answered it.
CREATE TABLE ai_assistant_offers (
    conversation_id UUID NOT NULL,
    kind TEXT NOT NULL,
    offer_id TEXT NOT NULL,
    offer JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (conversation_id, kind, offer_id)
);

-- Tokens and cost (micro-units) one user spent on a UTC day.
CREATE TABLE ai_assistant_usage (
    user_id UUID NOT NULL,
    day DATE NOT NULL,
    prompt_tokens BIGINT NOT NULL DEFAULT 0,
    completion_tokens BIGINT NOT NULL DEFAULT 0,
    cost_micros BIGINT NOT NULL DEFAULT 0,
    calls BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day)
);
