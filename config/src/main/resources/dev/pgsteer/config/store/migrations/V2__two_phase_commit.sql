-- Two-phase-commit decisions of every pgsteer instance sharing this store (dev.pgsteer.config.store.NodeLeases,
-- DecisionTable; the lease and takeover protocol is described in proxy-core's LeaseKeeper).
-- ${schema} is replaced by the store's schema, as a quoted identifier.

-- One row per pgsteer instance (node) that made or may make decisions. A live node renews heartbeat_at
-- every lease/3; once heartbeat_at + lease is past (by the store's clock), any other instance may end
-- its lease (state 'ended'), after which the node can never record a decision again and its prepared
-- transactions are resolved from the decisions below. An ended node is deleted, with its decisions,
-- once nothing of it is left prepared on any shard.
CREATE TABLE ${schema}.nodes (
    node         text PRIMARY KEY CHECK (node ~ '^[A-Za-z0-9]{1,32}$'),
    state        text NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'ended')),
    lease        interval NOT NULL CHECK (lease > interval '0'),
    host         text,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    ended_at     timestamptz,
    ended_by     text
);

-- One row per decided transaction. 'commit' is written (with the node's row locked FOR SHARE, so that no
-- takeover can pass it) before the first COMMIT PREPARED; the row is deleted once every shard finished.
-- 'abort' is written only when the owner could not tell whether its 'commit' reached the store: the
-- primary key lets exactly one of the two exist, so whichever is inserted first is the outcome.
-- A prepared transaction of an ended node with no 'commit' row is rolled back (presumed abort).
CREATE TABLE ${schema}.decisions (
    gid        text PRIMARY KEY,
    node       text NOT NULL REFERENCES ${schema}.nodes ON DELETE CASCADE,
    outcome    text NOT NULL DEFAULT 'commit' CHECK (outcome IN ('commit', 'abort')),
    shards     text[] NOT NULL,
    decided_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decisions_node ON ${schema}.decisions (node);
