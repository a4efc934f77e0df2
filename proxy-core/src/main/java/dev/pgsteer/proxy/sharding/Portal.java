package dev.pgsteer.proxy.sharding;

import dev.pgsteer.protocol.codec.Frame;

/** A portal the client bound: its statement and Bind (its values read for routing), until its Execute. */
record Portal(Prepared prepared, Frame bind, BindValues values) {
}
