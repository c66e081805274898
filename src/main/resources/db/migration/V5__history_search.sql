-- GET /api/rituals?agent=: who settled each step (completed it, failed it, or held the last attempt before a
-- skip). The list walks rituals newest first and probes this index once per ritual, instead of reading all of
-- its steps. Partial, so the hot path pays one index entry per step (when it completes), not one per lease.
create index step_settled_by on step (agent_name, ritual_id) where status in ('COMPLETED', 'FAILED', 'SKIPPED');
