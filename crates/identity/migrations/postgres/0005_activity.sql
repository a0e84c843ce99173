-- DreamScape's shapes for favourites, history, consents, policy acceptances and data-subject
-- requests; price alerts.

-- Favourites get DreamScape's category and notes, and a last-change time.
ALTER TABLE favorites ADD COLUMN category TEXT;
ALTER TABLE favorites ADD COLUMN notes TEXT;
ALTER TABLE favorites ADD COLUMN updated_at TIMESTAMPTZ;
UPDATE favorites SET updated_at = created_at;

-- History entries become DreamScape's (action type, entity type, entity id, metadata). Our
-- kinds map onto action types: search -> SEARCHED, view -> VIEWED, favorite -> FAVORITED,
-- booking -> CREATED.
CREATE TABLE history_entries (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    action_type TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    metadata JSONB,
    created_at TIMESTAMPTZ NOT NULL
);
INSERT INTO history_entries (id, user_id, action_type, entity_type, entity_id, metadata, created_at)
SELECT id, user_id,
    CASE kind WHEN 'search' THEN 'SEARCHED' WHEN 'view' THEN 'VIEWED' WHEN 'favorite' THEN 'FAVORITED' ELSE 'CREATED' END,
    COALESCE(item_type, CASE kind WHEN 'booking' THEN 'booking' ELSE 'search' END),
    COALESCE(item_id, ''),
    data, created_at
FROM history;
DROP TABLE history;
ALTER TABLE history_entries RENAME TO history;
ALTER TABLE history RENAME CONSTRAINT history_entries_pkey TO history_pkey;
CREATE INDEX history_user_created ON history (user_id, created_at);

-- Where a consent change or a policy acceptance came from (proof of consent).
ALTER TABLE consent_events ADD COLUMN ip_address TEXT;
ALTER TABLE consent_events ADD COLUMN user_agent TEXT;
ALTER TABLE policy_acceptances ADD COLUMN ip_address TEXT;
ALTER TABLE policy_acceptances ADD COLUMN user_agent TEXT;

-- Requests: DreamScape's statuses and a processing time.
ALTER TABLE gdpr_requests ADD COLUMN processed_at TIMESTAMPTZ;
UPDATE gdpr_requests SET status = CASE status
    WHEN 'received' THEN 'PENDING' WHEN 'in_progress' THEN 'IN_PROGRESS'
    WHEN 'completed' THEN 'COMPLETED' WHEN 'rejected' THEN 'REJECTED' ELSE UPPER(status) END;
UPDATE gdpr_requests SET processed_at = completed_at;

-- Price alerts: a route and a target price the user wants to be told about. Amounts are in
-- minor units; `current_price` stays NULL until a price source feeds it.
CREATE TABLE price_alerts (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    route TEXT NOT NULL,
    origin TEXT NOT NULL,
    destination TEXT NOT NULL,
    departure_date DATE NOT NULL,
    currency TEXT NOT NULL,
    target_price BIGINT NOT NULL,
    current_price BIGINT,
    previous_price BIGINT,
    is_active BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX price_alerts_user ON price_alerts (user_id, created_at);
