-- A lease hands out READY steps emergencies first, then oldest first, skipping rituals another lease holds and
-- steps the agent may not take. It read every READY step and its ritual and sorted them before taking any: 25-34 ms
-- of PostgreSQL's CPU per lease with 5,000 rituals waiting. The planner cannot be led to walk an index instead: it
-- estimates the agent's eligibility (capabilities, participants, reservation) at about one row, so a sort looks as
-- cheap. Now the order is carried on the step (a ritual's priority never changes) and indexed, and lease_walk walks
-- that index with a cursor, which PostgreSQL plans for its first rows, until it holds as many steps as were asked
-- for: under a millisecond with the same 5,000 waiting. An agent that may take none of them still reads them all.
alter table step add column emergency boolean not null default false;
update step s set emergency = true from ritual r
where r.id = s.ritual_id and r.priority = 'emergency' and s.status in ('PENDING', 'READY', 'LEASED');
create index step_lease_order on step (emergency desc, ready_at, ritual_id, number) where status = 'READY';

-- The READY steps (ritual, number) the agent may take now, in lease order, their rituals locked (skipping those
-- locked by others): at most p_max. p_runnable: the ritual statuses whose steps may be leased. "rows 1": a lease
-- asks for a few; with the default estimate (1,000 rows) the lease statement joined the result to whole scans of
-- the ritual and step tables instead of looking each up by key.
create function lease_walk(p_agent uuid, p_name text, p_capabilities text[], p_now timestamptz, p_max bigint,
                           p_prefer_other_ms bigint, p_runnable text[])
returns table (ritual_id uuid, number int) language plpgsql rows 1 as $$
declare
  ready cursor for
    select s.ritual_id, s.number from step s
    where s.status = 'READY' and s.ready_at <= p_now
      and (s.reserved_for is null or s.reserved_for = p_agent)
      and (s.avoid_agent_id is null or s.avoid_agent_id <> p_agent
           or s.ready_at <= p_now - p_prefer_other_ms * interval '1 millisecond')
    order by s.emergency desc, s.ready_at, s.ritual_id, s.number;
begin
  for s in ready loop
    exit when p_max <= 0;
    perform from ritual r
    where r.id = s.ritual_id and (r.status = any (p_runnable)) is true
      and (cardinality(r.participants) = 0 or p_name = any (r.participants))
      and r.required_capabilities <@ p_capabilities
    for update skip locked;
    if found then
      ritual_id := s.ritual_id;
      number := s.number;
      return next;
      p_max := p_max - 1;
    end if;
  end loop;
end $$;
