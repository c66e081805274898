-- Every lease wrote an entry into step_leased_by as well as into step_lease_expiry, both partial on
-- status = 'LEASED'. Only the revocations that pick one agent's leases (it registered again, left, went
-- offline, was reinitialised) used step_leased_by, and those are served as well by step_lease_expiry: it holds
-- every live lease and no other row, a few per agent. One index entry less per step on the hot path.
drop index step_leased_by;
