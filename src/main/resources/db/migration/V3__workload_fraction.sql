-- An agent's workload is the fraction of its capacity in use (0..1), as the Helix Hub clients read it; it was a
-- free integer before, which no client could interpret.
alter table agent alter column workload drop default;
alter table agent alter column workload type double precision using least(greatest(workload, 0), 1);
alter table agent alter column workload set default 0;
alter table agent add constraint agent_workload_fraction check (workload between 0 and 1);
