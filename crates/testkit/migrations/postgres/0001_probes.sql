CREATE TABLE probes (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT probes_name_key UNIQUE (name)
);

CREATE TABLE probe_received (
    event_id UUID PRIMARY KEY,
    event_type TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
