-- Sessions: one row per PTY session, kept after the process ends until an
-- operator deletes it. The environment given at creation is not stored
-- because it often carries API keys.
CREATE TABLE sessions (
    id          text        PRIMARY KEY,
    name        text        NOT NULL,
    provider    text        NOT NULL,
    command     text        NOT NULL,
    args        jsonb       NOT NULL DEFAULT '[]'::jsonb,
    cwd         text        NOT NULL,
    cols        integer     NOT NULL CHECK (cols BETWEEN 1 AND 1000),
    rows        integer     NOT NULL CHECK (rows BETWEEN 1 AND 1000),
    state       text        NOT NULL CHECK (state IN ('pending', 'running', 'idle', 'stopped', 'ended')),
    pid         integer,
    exit_code   integer,
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    ended_at    timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sessions_created_at_idx ON sessions (created_at DESC);
CREATE INDEX sessions_live_idx ON sessions (state) WHERE state IN ('pending', 'running', 'idle');

-- Audit trail: admin and session events written by the audit sink.
-- Details never contain passwords or tokens.
CREATE TABLE audit_events (
    id          bigserial   PRIMARY KEY,
    time        timestamptz NOT NULL,
    event       text        NOT NULL,
    actor       text        NOT NULL DEFAULT '',
    client_addr text        NOT NULL DEFAULT '',
    session_id  text,
    details     jsonb       NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX audit_events_time_idx ON audit_events (time DESC, id DESC);
CREATE INDEX audit_events_session_idx ON audit_events (session_id) WHERE session_id IS NOT NULL;
