-- Retention (org.helix.retention.Retention) deletes finished history in small batches, oldest first. Each batch
-- finds its rows through one of these indexes instead of scanning a table that holds months of history.

-- Finished rituals by age. Partial: live rituals are not in it, and the per-step update of a ritual (which
-- changes neither status nor finished_at) stays a HOT update.
create index ritual_finished on ritual (finished_at) where status in ('COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED');
-- Agents by how long they have been OFFLINE.
create index agent_offline on agent (status_changed_at) where status = 'OFFLINE';
-- A purged ritual takes its revocations and idempotency keys along (the key's foreign key cascades too, and a
-- cascade without an index reads the whole table once per deleted ritual).
create index lease_revocation_ritual on lease_revocation (ritual_id);
create index idempotency_key_ritual on idempotency_key (ritual_id);

-- Rituals by status, kept current by the database itself so that GET /status never counts the ritual table
-- (a million finished rituals took ~170 ms to count). Every change of a ritual's status appends to
-- ritual_count_delta: appends take no lock that two transactions could contend or deadlock on, and the
-- per-step update (status unchanged) appends nothing. org.helix.census.RitualCensus folds the deltas into
-- ritual_count every few seconds; a reader sums both, so it sees exact counts at any moment.
create table ritual_count (
    status text primary key,
    n      bigint not null
);
create table ritual_count_delta (
    status text not null,
    n      integer not null
);

create function ritual_count_change() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into ritual_count_delta (status, n) values (new.status, 1);
    elsif tg_op = 'DELETE' then
        insert into ritual_count_delta (status, n) values (old.status, -1);
    else
        insert into ritual_count_delta (status, n) values (old.status, -1), (new.status, 1);
    end if;
    return null;
end $$;

create function ritual_count_reset() returns trigger language plpgsql as $$
begin
    delete from ritual_count_delta;
    delete from ritual_count;
    return null;
end $$;

-- the counts start from the table as it is, with writers held off until this migration commits
lock table ritual in share row exclusive mode;

create trigger ritual_count_rows after insert or delete on ritual
    for each row execute function ritual_count_change();
create trigger ritual_count_status after update of status on ritual
    for each row when (old.status is distinct from new.status) execute function ritual_count_change();
create trigger ritual_count_truncate after truncate on ritual
    for each statement execute function ritual_count_reset();

insert into ritual_count (status, n) select status, count(*) from ritual group by status;
