package dev.pgsteer.proxy.sharding.extended;

import dev.pgsteer.protocol.wire.Frame;

/** A portal the client bound: its statement and Bind (its values read for routing), until its Execute. */
public record Portal(Prepared prepared, Frame bind, BindValues values) {
}
