package dev.pgsteer.proxy.admin;

import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.backend.NoData;
import dev.pgsteer.protocol.message.frontend.Bind;
import dev.pgsteer.protocol.message.frontend.Execute;
import dev.pgsteer.protocol.message.frontend.Parse;
import dev.pgsteer.proxy.extended.Answered;
import dev.pgsteer.proxy.extended.LocalExtendedProtocol;
import dev.pgsteer.proxy.extended.Lookup;
import java.util.List;
import java.util.function.Consumer;

/**
 * The console's statements in the extended protocol: a Parse selects a command, a Bind without
 * parameters makes a portal with its result formats, an Execute runs it (the whole result, whatever
 * the row limit says).
 */
final class ConsoleStatements implements LocalExtendedProtocol.Server<AdminCommands.Parsed, ConsoleStatements.Portal> {
    /** No result format codes: text for every column. */
    static final short[] TEXT = {};

    /** A bound statement and the formats its Bind asked for. */
    record Portal(AdminCommands.Parsed parsed, short[] formats) {
    }

    /** Runs a statement; the console's, since its queue waits on a PENDING answer. */
    interface Answerer {
        Answered answer(AdminCommands.Parsed parsed, short[] formats, boolean describe, Consumer<Answered> later);
    }

    private final AdminCommands commands;
    private final ConsoleReplies replies;
    private final Answerer answerer;

    ConsoleStatements(AdminCommands commands, ConsoleReplies replies, Answerer answerer) {
        this.commands = commands;
        this.replies = replies;
        this.answerer = answerer;
    }

    @Override
    public Lookup<AdminCommands.Parsed> prepare(Parse parse) {
        List<String> parts = AdminCommands.split(parse.query());
        if (parts.size() > 1) {
            return Lookup.refused(ConsoleErrors.multipleCommands());
        }
        AdminCommands.Parsed parsed = commands.parse(parts.isEmpty() ? "" : parts.getFirst());
        ErrorResponse refusal = ConsoleErrors.refusal(parsed, commands);
        return refusal != null ? Lookup.refused(refusal) : Lookup.found(parsed);
    }

    @Override
    public Lookup<Portal> bind(AdminCommands.Parsed parsed, Bind bind) {
        if (bind.valueCount() > 0) {
            return Lookup.refused(ConsoleErrors.parameters(bind.valueCount(), bind.statement()));
        }
        short[] formats = bind.resultFormats();
        if (parsed instanceof AdminCommands.Parsed.Run run && formats.length > 1
                && formats.length != run.command().columns().size()) {
            return Lookup.refused(ConsoleErrors.resultFormats(formats.length, run.command().columns().size()));
        }
        return Lookup.found(new Portal(parsed, formats));
    }

    @Override
    public void describeStatement(AdminCommands.Parsed parsed) {
        replies.write(ResultEncoder.noParameters(replies.alloc()));
        describeRows(parsed, TEXT);
    }

    @Override
    public void describePortal(Portal portal) {
        describeRows(portal.parsed(), portal.formats());
    }

    private void describeRows(AdminCommands.Parsed parsed, short[] formats) {
        if (parsed instanceof AdminCommands.Parsed.Run run) {
            replies.write(ResultEncoder.rowDescription(replies.alloc(), run.command().columns(), formats));
        } else {
            replies.write(NoData.INSTANCE.encode(replies.alloc()));
        }
    }

    @Override
    public Answered execute(Portal portal, Execute execute, Consumer<Answered> later) {
        return answerer.answer(portal.parsed(), portal.formats(), false, later);
    }
}
