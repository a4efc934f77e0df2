package dev.pgsteer.proxy.extended;

import dev.pgsteer.protocol.message.frontend.Target;
import dev.pgsteer.proxy.errors.ProxyErrors;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The prepared statements and portals of one session, by name, as the server side of the extended
 * protocol keeps them: a Parse adds a statement, a Bind a portal of one, a Close or the end of the
 * batch drops them. The errors are PostgreSQL's: 42P05 for a named statement prepared twice, 26000
 * for a statement and 34000 for a portal that does not exist. The unnamed statement and portal ("")
 * are replaced without complaint.
 *
 * <p>{@code S} is what a session keeps of a statement, {@code P} of a portal; a portal that holds
 * resources (a retained Bind frame) is given to {@code release} when it is dropped or replaced.
 */
public final class PortalState<S, P> {
    private final Map<String, S> statements = new HashMap<>();
    private final Map<String, P> portals = new HashMap<>();
    private final Consumer<? super P> release;

    public PortalState(Consumer<? super P> release) {
        this.release = release;
    }

    /** Portals that hold nothing to release. */
    public PortalState() {
        this(portal -> { });
    }

    /** Keeps {@code statement} under {@code name}, unless a named statement of that name exists (42P05). */
    public Lookup<S> prepare(String name, S statement) {
        if (!preparable(name)) {
            return Lookup.refused(ProxyErrors.duplicateStatement(name));
        }
        statements.put(name, statement);
        return Lookup.found(statement);
    }

    /**
     * Whether a Parse may prepare {@code name}: not if a named statement of that name exists. Asked
     * first by a session whose statement costs something to make (a name registered proxy-wide).
     */
    public boolean preparable(String name) {
        return name.isEmpty() || !statements.containsKey(name);
    }

    public Lookup<S> statement(String name) {
        S statement = statements.get(name);
        return statement == null ? Lookup.refused(ProxyErrors.noSuchStatement(name)) : Lookup.found(statement);
    }

    public Lookup<P> portal(String name) {
        P portal = portals.get(name);
        return portal == null ? Lookup.refused(ProxyErrors.noSuchPortal(name)) : Lookup.found(portal);
    }

    /** Keeps {@code portal} under {@code name}, releasing one it replaces. */
    public void bind(String name, P portal) {
        P old = portals.put(name, portal);
        if (old != null) {
            release.accept(old);
        }
    }

    /** A Close: closing what does not exist is no error. */
    public void close(Target target, String name) {
        switch (target) {
            case STATEMENT -> statements.remove(name);
            case PORTAL -> {
                P portal = portals.remove(name);
                if (portal != null) {
                    release.accept(portal);
                }
            }
        }
    }

    /** The batch's transaction ended (Sync outside a transaction block): its portals go. */
    public void closePortals() {
        portals.values().forEach(release);
        portals.clear();
    }

    /** The unnamed statement goes too, as at the end of PostgreSQL's implicit transaction. */
    public void forgetUnnamedStatement() {
        statements.remove("");
    }

    /** DEALLOCATE ALL: the statements go; the portals bound of them stay, as in PostgreSQL. */
    public void forgetStatements() {
        statements.clear();
    }

    /** DISCARD ALL, or the session's end: everything goes. */
    public void clear() {
        closePortals();
        statements.clear();
    }
}
