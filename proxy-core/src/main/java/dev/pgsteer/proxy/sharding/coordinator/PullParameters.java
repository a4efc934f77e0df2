package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.protocol.message.Sync;
import dev.pgsteer.protocol.message.frontend.Bind;
import dev.pgsteer.protocol.message.frontend.Close;
import dev.pgsteer.protocol.message.frontend.Execute;
import dev.pgsteer.protocol.message.frontend.Parse;
import dev.pgsteer.protocol.message.frontend.Target;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.sharding.extended.Portal;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * The client's parameters as its Parse declared them and its Bind gave them: what a pushed condition
 * that holds them needs to run on a shard. The pulled SELECT is parsed with the client's own type
 * OIDs (0 where the client left the type to the server), so PostgreSQL resolves its operators as in
 * the client's statement; inlined literals would not be exact (a float8 parameter against a numeric
 * column compares in float8, an unknown literal in numeric).
 */
public record PullParameters(byte[] parseTail, Bind bind) {
    /** The portal the pull runs in, closed before its Sync (a client's unnamed portal is left alone). */
    static final String PORTAL = "pgsteer_pull";
    private static final short[] BINARY_RESULTS = {Bind.BINARY};

    public static PullParameters of(Portal portal) {
        return new PullParameters(portal.prepared().parseTail(), portal.bind());
    }

    /** The type OID the client's Parse declared for {@code $number}; 0 when it declared none. */
    public int type(int number) {
        int at = 0;
        while (parseTail[at] != 0) {
            at++;
        }
        at++;
        int count = at + 2 <= parseTail.length ? ((parseTail[at] & 0xff) << 8) | (parseTail[at + 1] & 0xff) : 0;
        if (number < 1 || number > count) {
            return 0;
        }
        int i = at + 2 + 4 * (number - 1);
        return ((parseTail[i] & 0xff) << 24) | ((parseTail[i + 1] & 0xff) << 16) | ((parseTail[i + 2] & 0xff) << 8)
                | (parseTail[i + 3] & 0xff);
    }

    /** Whether the client gave {@code $number} a value: a pushed condition holding any other is left behind. */
    public boolean bound(int number) {
        return number >= 1 && number <= bind.valueCount();
    }

    /**
     * Runs {@code sql}, whose $1, $2, ... are the client's parameters {@code originals}, on
     * {@code on} (attached to the run until its ReadyForQuery) and drops its rows; fails with
     * {@link PullFailed} holding PostgreSQL's ErrorResponse.
     */
    public Future<Void> run(BackendConnection on, String sql, int[] originals, EventLoop loop) {
        return LocalFill.run(on, new PullStatements.ParameterizedRows(sql, sql, originals, this), loop);
    }

    /**
     * Writes (not flushes) what runs {@code sql} on a shard with the client's parameters
     * {@code originals} as its $1, $2, ...: Parse of the unnamed statement with their types, Bind with
     * their values and formats and binary results for every column, Execute, Close of the portal, Sync.
     */
    void writeQuery(BackendConnection on, String sql, int[] originals) {
        ByteBufAllocator alloc = on.channel().alloc();
        int[] types = new int[originals.length];
        for (int i = 0; i < originals.length; i++) {
            types[i] = type(originals[i]);
        }
        on.write(Parse.encode(alloc, "", sql, types));
        ByteBuf bound = bind.rebind(alloc, PORTAL, "", originals, BINARY_RESULTS);
        on.write(bound);
        on.write(Execute.encode(alloc, PORTAL, 0));
        on.write(Close.encode(alloc, Target.PORTAL, PORTAL));
        Channel channel = on.channel();
        channel.write(Sync.INSTANCE, channel.voidPromise());
    }
}
