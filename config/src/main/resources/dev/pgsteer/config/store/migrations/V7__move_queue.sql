-- Queued moves (REBALANCE, SPLIT SHARD): a plan's moves are recorded at once, the first running and the
-- others in phase 'queued', so that the plan outlives the instance that owns it (another adopts its
-- moves as it adopts running ones). One running move per table group stays the rule: the index that
-- says so now leaves queued moves out, and the owner starts the next queued move of a group only
-- once the group's running one is finished. ${schema} is the store's schema, as a quoted identifier.
DROP INDEX ${schema}.moves_one_per_group;
CREATE UNIQUE INDEX moves_one_per_group ON ${schema}.moves (database, (tables[1]))
    WHERE phase NOT IN ('done', 'failed', 'cancelled', 'queued');
CREATE INDEX moves_queued ON ${schema}.moves (database, (tables[1]), id) WHERE phase = 'queued';
