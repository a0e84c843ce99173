CREATE TABLE probes (
    id BLOB NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT probes_name_key UNIQUE (name)
);

CREATE TABLE probe_received (
    event_id BLOB NOT NULL PRIMARY KEY,
    event_type TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    received_at TEXT NOT NULL
);
