-- Contextual part of ai: its settings, shared by every instance (the A/B split between the
-- learned and the rule-based scoring of typed recommendations, the scorer's circuit breaker,
-- the accommodation scoring configuration), one JSON document per name.
CREATE TABLE ai_ctx_settings (
    name TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- What travellers did with typed recommendations (flights, activities, accommodations), per
-- offered item and action, with no user attached: the learned scoring's popularity signal.
CREATE TABLE ai_ctx_item_stats (
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    action TEXT NOT NULL,
    count BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, item_id, action)
);
