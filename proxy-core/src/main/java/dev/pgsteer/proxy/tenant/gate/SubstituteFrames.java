package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.StatementFrames;
import dev.pgsteer.protocol.wire.Wire;
import dev.pgsteer.proxy.client.SessionGate.Admitted;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The frames the gate puts in place of a client's statement: one that raises an error
 * ({@link RaisingStatement}), so that the client gets it where that statement's answer belongs, or
 * one that runs pgsteer's own SQL (the answers to SHOW and SET pgsteer.tenant). Each consumes the
 * client's frame.
 */
final class SubstituteFrames {
    private final ByteBufAllocator alloc;
    private final PreparedTenants prepared;

    SubstituteFrames(ByteBufAllocator alloc, PreparedTenants prepared) {
        this.alloc = alloc;
        this.prepared = prepared;
    }

    /** The frame in place of {@code frame} that raises {@code error} on {@code here}; a Bind gets a Parse of it before. */
    Admitted raising(Frame frame, TenantErrors error, TenantTarget here) {
        String raise = RaisingStatement.sql(error);
        return switch (Frontend.of(frame.type())) {
            case QUERY -> {
                frame.release();
                yield new Admitted(StatementText.query(alloc, raise), here);
            }
            case PARSE -> {
                String name = StatementFrames.parseName(frame);
                prepared.refused(name);
                String sql = StatementText.ofParse(frame);
                int parameters = Math.max(StatementText.declaredParameters(frame), StatementText.highestParameter(sql));
                frame.release();
                yield new Admitted(StatementText.parse(alloc, name, raise, parameters), here);
            }
            case FUNCTION_CALL -> {
                // A failing function call is answered as a failing query is: ErrorResponse, ReadyForQuery.
                frame.release();
                yield new Admitted(StatementText.query(alloc, raise), here);
            }
            case BIND -> {
                int parameters = bindParameters(frame);
                Frame parse = StatementText.parse(alloc, "", raise, parameters);
                ByteBuf renamed = StatementFrames.renameBind(alloc, frame, "");
                // A streamed Bind stays a head: the rest of its values still follows it.
                Frame bind = frame.replace(renamed);
                yield new Admitted(parse, bind, here, false);
            }
            default -> new Admitted(frame, here);
        };
    }

    /** {@code 'B' | portal\0 | statement\0 | int16 nf | nf x int16 | int16 n | ...}: n. */
    private static int bindParameters(Frame bind) {
        ByteBuf body = bind.body();
        Wire.readCString(body);
        Wire.readCString(body);
        int formats = body.readUnsignedShort();
        body.skipBytes(formats * 2);
        return body.readUnsignedShort();
    }

    /** A Query of {@code sql} in place of the Query {@code frame}, or a Parse of it named {@code parseName} in place of the Parse. */
    Frame replacing(Frame frame, String sql, String parseName) {
        if (frame.type() == Frontend.QUERY.code()) {
            frame.release();
            return StatementText.query(alloc, sql);
        }
        int parameters = StatementText.declaredParameters(frame);
        frame.release();
        return StatementText.parse(alloc, parseName, sql, parameters);
    }
}
