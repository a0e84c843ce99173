-- The travel assistant: conversations (personal data: exported and erased with the user),
-- their messages as the model saw them, the offers its searches returned (a draft itinerary
-- may only use those), and each user's daily model usage (the per-user token and cost limits).

CREATE TABLE ai_assistant_conversations (
    id BLOB NOT NULL PRIMARY KEY,
    user_id BLOB NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ai_assistant_conversations_user ON ai_assistant_conversations (user_id, updated_at);

-- `seq` orders a conversation's messages; the unique key makes two concurrent turns on one
-- conversation collide instead of interleaving. `role` is system, user, assistant or tool;
-- `extra` holds the assistant's tool calls and itinerary, or the tool message's call id.
CREATE TABLE ai_assistant_messages (
    id BLOB NOT NULL PRIMARY KEY,
    conversation_id BLOB NOT NULL,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT,
    extra TEXT,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (conversation_id, seq)
);

-- An offer a search tool returned in a conversation: `kind` flight, hotel or activity, the
-- offer as the supplier's search answered it.
CREATE TABLE ai_assistant_offers (
    conversation_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    offer_id TEXT NOT NULL,
    offer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (conversation_id, kind, offer_id)
);

-- Tokens and cost (micro-units) one user spent on a UTC day.
CREATE TABLE ai_assistant_usage (
    user_id BLOB NOT NULL,
    day TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost_micros INTEGER NOT NULL DEFAULT 0,
    calls INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day)
);
