-- Agents: registered by name; every registration starts a new epoch and a new token.
create table agent (
    id                uuid primary key,
    name              text not null unique,
    symbol            text,
    role              text,
    layer             text,
    capabilities      text[] not null default '{}',
    epoch             integer not null,
    token_hash        text not null unique,
    status            text not null check (status in ('ONLINE', 'STALE', 'OFFLINE')),
    workload          integer not null default 0,
    builtin           boolean not null default false,
    registered_at     timestamptz not null,
    last_seen_at      timestamptz not null,
    status_changed_at timestamptz not null
);
create index agent_alive on agent (last_seen_at) where status <> 'OFFLINE';

create table ritual (
    id                   uuid primary key,
    status               text not null check (status in
                         ('PENDING', 'RUNNING', 'STALLED', 'COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED')),
    steps_total          integer not null check (steps_total between 1 and 1008),
    steps_completed      integer not null default 0,
    steps_skipped        integer not null default 0,
    current_step         integer not null default 1,
    mantra               text not null,
    participants         text[] not null,
    priority             text not null check (priority in ('normal', 'emergency')),
    step_timeout_seconds integer not null,
    max_attempts         integer not null,
    expected_seconds     integer,
    created_by           text,
    created_at           timestamptz not null,
    started_at           timestamptz,
    finished_at          timestamptz,
    deadline_at          timestamptz not null,
    last_progress_at     timestamptz not null,
    ucf_before           jsonb,
    ucf_after            jsonb,
    failure_reason       text
);
create index ritual_recent on ritual (created_at desc, id desc);
create index ritual_by_status on ritual (status, created_at desc, id desc);
create index ritual_live_deadline on ritual (deadline_at) where status in ('PENDING', 'RUNNING', 'STALLED');

-- One row per step, all written at creation. A step moves
-- PENDING -> READY -> LEASED -> COMPLETED; a lost attempt returns it to READY (after a backoff),
-- an exhausted one makes it FAILED (and the ritual STALLED); operators may make it SKIPPED.
create table step (
    ritual_id        uuid not null references ritual (id) on delete cascade,
    number           integer not null,
    status           text not null check (status in ('PENDING', 'READY', 'LEASED', 'COMPLETED', 'FAILED', 'SKIPPED')),
    attempt          integer not null default 0,
    ready_at         timestamptz,
    agent_id         uuid,
    agent_name       text,
    lease_token      uuid,
    leased_at        timestamptz,
    lease_expires_at timestamptz,
    completed_at     timestamptz,
    error            text,
    output           jsonb,
    -- after a lost attempt the step prefers another agent for a while
    avoid_agent_id   uuid,
    -- set by an operator's reassign: only this agent may lease the step next
    reserved_for     uuid,
    primary key (ritual_id, number)
);
create index step_ready on step (ready_at) where status = 'READY';
create index step_lease_expiry on step (lease_expires_at) where status = 'LEASED';
create index step_leased_by on step (agent_id) where status = 'LEASED';

-- Revoked leases waiting to be told to their agent in the next heartbeat response.
create table lease_revocation (
    id         bigserial primary key,
    agent_id   uuid not null,
    ritual_id  uuid not null,
    step       integer not null,
    reason     text not null,
    revoked_at timestamptz not null
);
create index lease_revocation_agent on lease_revocation (agent_id);

create table ucf_state (
    id         smallint primary key check (id = 1),
    harmony    double precision not null,
    resilience double precision not null,
    prana      double precision not null,
    drishti    double precision not null,
    klesha     double precision not null,
    zoom       double precision not null,
    updated_at timestamptz not null
);
insert into ucf_state values (1, 0.50, 1.00, 0.60, 0.60, 0.30, 0.70, now());

create table ucf_history (
    id          bigserial primary key,
    recorded_at timestamptz not null,
    harmony     double precision not null,
    resilience  double precision not null,
    prana       double precision not null,
    drishti     double precision not null,
    klesha      double precision not null,
    zoom        double precision not null,
    ritual_id   uuid
);
create index ucf_history_time on ucf_history (recorded_at);
insert into ucf_history (recorded_at, harmony, resilience, prana, drishti, klesha, zoom)
select updated_at, harmony, resilience, prana, drishti, klesha, zoom from ucf_state;

-- The event log: written in the same transaction as the change it reports.
create table event (
    id         bigserial primary key,
    type       text not null,
    ritual_id  uuid,
    created_at timestamptz not null,
    payload    jsonb not null
);
create index event_ritual on event (ritual_id, id) where ritual_id is not null;
create index event_created on event (created_at);

create table idempotency_key (
    principal    text not null,
    key          text not null,
    request_hash text not null,
    ritual_id    uuid not null references ritual (id) on delete cascade,
    created_at   timestamptz not null,
    primary key (principal, key)
);
create index idempotency_key_age on idempotency_key (created_at);

create table api_key (
    id         uuid primary key,
    name       text not null,
    key_hash   text not null unique,
    roles      text[] not null,
    created_at timestamptz not null,
    created_by text,
    revoked_at timestamptz
);

create table audit_entry (
    id       bigserial primary key,
    at       timestamptz not null,
    actor    text not null,
    action   text not null,
    target   text,
    before   jsonb,
    after    jsonb,
    outcome  text not null
);
create index audit_entry_time on audit_entry (at desc);

create table client_session (
    id                uuid primary key,
    principal         text not null,
    resume_token_hash text not null,
    implicit          boolean not null,
    created_at        timestamptz not null,
    expires_at        timestamptz not null,
    last_seen_at      timestamptz not null
);
create index client_session_principal on client_session (principal, created_at);
create index client_session_idle on client_session (last_seen_at);
create index client_session_expiry on client_session (expires_at);

-- Replicas announce themselves so that each knows whether anyone else needs its notifications.
create table replica (
    id           uuid primary key,
    started_at   timestamptz not null,
    last_seen_at timestamptz not null
);
