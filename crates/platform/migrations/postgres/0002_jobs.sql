-- The durable job queue (`platform::jobs`): work a context does off the request path (image
-- variants, EXIF stripping, poster frames), written in the same transaction as the data that
-- asks for it and worked off by the context's job worker under a lease.
CREATE TABLE platform_jobs (
    id UUID NOT NULL PRIMARY KEY,
    -- Which registered handler runs it.
    kind TEXT NOT NULL,
    payload JSONB NOT NULL,
    -- pending (waiting or running) | done | failed
    status TEXT NOT NULL,
    -- Attempts started so far (counted when a worker takes the job).
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    -- The next attempt is not before this.
    not_before TIMESTAMPTZ NOT NULL,
    -- Set while a worker holds the job: nobody else takes it before `lease_until`, and only
    -- the holder of `lease_token` may record its outcome.
    lease_until TIMESTAMPTZ,
    lease_token UUID,
    -- Jobs with the same kind and key are one job while it is not finished.
    dedupe_key TEXT,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX platform_jobs_dedupe ON platform_jobs (kind, dedupe_key)
    WHERE status = 'pending' AND dedupe_key IS NOT NULL;
CREATE INDEX platform_jobs_due ON platform_jobs (not_before) WHERE status = 'pending';
CREATE INDEX platform_jobs_finished ON platform_jobs (finished_at) WHERE status <> 'pending';
