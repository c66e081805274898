-- The agents' toolkit: data between steps, step heartbeats for long steps, routing by capability.

-- A ritual's input reaches every lease; its steps may need capabilities; a long step may have to prove it is alive.
alter table ritual
    add column input jsonb,
    add column required_capabilities text[] not null default '{}',
    add column heartbeat_timeout_seconds integer check (heartbeat_timeout_seconds between 1 and 3600);

-- While a step runs: what its agent last reported, and when the attempt is lost without another heartbeat.
alter table step
    add column progress jsonb,
    add column heartbeat_due_at timestamptz;
create index step_heartbeat_due on step (heartbeat_due_at) where status = 'LEASED' and heartbeat_due_at is not null;

-- Which attempt a revocation took away, so an agent can tell an old attempt's revocation from its current one.
alter table lease_revocation add column attempt integer;
