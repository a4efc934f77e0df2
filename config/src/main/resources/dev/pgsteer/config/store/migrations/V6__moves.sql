-- Online bucket moves (proxy-core's sharding.move). A move is a state machine persisted here so that
-- another instance, or this one after a restart, can finish or roll it back: its phase, its owner node
-- (a row of nodes: when that node's lease is ended, any live instance takes the move over), and the
-- names of what it made on the shards. ${schema} is replaced by the store's schema, as a quoted identifier.
CREATE TABLE ${schema}.moves (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL DEFAULT 'bucket' CHECK (kind IN ('bucket', 'tenant')),
    database      text NOT NULL,
    tables        text[] NOT NULL,
    keys          text[] NOT NULL,
    key_type      text,
    modulus       int NOT NULL CHECK (modulus >= 1),
    remainder     int NOT NULL CHECK (remainder >= 0 AND remainder < modulus),
    source        text NOT NULL,
    target        text NOT NULL,
    phase         text NOT NULL DEFAULT 'checking',
    owner         text,
    publication   text,
    subscription  text,
    slot          text,
    identities    text[],
    rows_copied   bigint NOT NULL DEFAULT 0,
    rows_total    bigint,
    rows_deleted  bigint NOT NULL DEFAULT 0,
    lag_bytes     bigint,
    lag_seconds   numeric,
    hold_ms       numeric,
    attempts      int NOT NULL DEFAULT 0,
    flip_version  bigint,
    cancel        boolean NOT NULL DEFAULT false,
    error         text,
    started       timestamptz NOT NULL DEFAULT now(),
    updated       timestamptz NOT NULL DEFAULT now()
);
-- One unfinished move per table group: two moves of one group would race on its map.
CREATE UNIQUE INDEX moves_one_per_group ON ${schema}.moves (database, (tables[1]))
    WHERE phase NOT IN ('done', 'failed', 'cancelled');

-- What each instance has acknowledged of a move: 'guard' (it refuses statements that would read the
-- bucket's rows twice while they are on two shards) and 'hold <attempt>' (it holds new writes to the bucket).
CREATE TABLE ${schema}.move_acks (
    move_id  bigint NOT NULL REFERENCES ${schema}.moves ON DELETE CASCADE,
    node     text NOT NULL,
    what     text NOT NULL,
    acked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (move_id, node, what)
);

-- The write hold of a move's cutover attempt: 'holding' while writes to the bucket wait, then 'released'
-- with the map version each instance must route by before letting them go (0: the attempt gave up and
-- the source stays the bucket's shard).
CREATE TABLE ${schema}.move_holds (
    move_id     bigint NOT NULL REFERENCES ${schema}.moves ON DELETE CASCADE,
    attempt     int NOT NULL,
    state       text NOT NULL DEFAULT 'holding' CHECK (state IN ('holding', 'released')),
    version     bigint NOT NULL DEFAULT 0,
    created     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (move_id, attempt)
);

-- The shard map version each instance routes by: a move deletes the source's rows only once every live
-- instance routes by the version that flipped the bucket.
CREATE TABLE ${schema}.node_maps (
    node    text PRIMARY KEY,
    version bigint NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
