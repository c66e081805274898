-- Every step transition updates its ritual row (progress) and the agent row now and then (liveness): with
-- room left on each page those updates are HOT (no new index entries), which keeps the indexes the lease
-- query uses small under a sustained load.
alter table ritual set (fillfactor = 70);
alter table agent set (fillfactor = 70);
alter table step set (fillfactor = 85);

-- Steps and rituals churn (a step is written three times in its life): vacuum them often, in small bites.
alter table step set (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
alter table ritual set (autovacuum_vacuum_scale_factor = 0.05, autovacuum_analyze_scale_factor = 0.05);
alter table agent set (autovacuum_vacuum_scale_factor = 0.05);
