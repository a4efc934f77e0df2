package dev.pgsteer.proxy.tenant.gate;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the gate remembers of the statements a client prepared, by name: those prepared under a
 * comment naming a tenant, and those pgsteer replaced by a statement raising an error. Each Bind of
 * such a statement must go where its Parse went; any other Bind runs where its batch does.
 */
final class PreparedTenants {
    /** Statements prepared under a comment naming a tenant run for that tenant whenever they are bound. */
    private final Map<String, String> statementTenants = new HashMap<>();
    /** Statements the client prepared that pgsteer replaced by one raising an error: their Binds go along. */
    private final Set<String> refusedStatements = new HashSet<>();

    /**
     * The common case: no statement was prepared under a comment or refused, so a Bind runs where
     * its Parse did and its statement name need not be read.
     */
    boolean none() {
        return statementTenants.isEmpty() && refusedStatements.isEmpty();
    }

    /** A new Parse of {@code name}: whatever was refused under that name is the client's again. */
    void parsing(String name) {
        refusedStatements.remove(name);
    }

    /** {@code name} was prepared for {@code tenant}, the one its comment named; null: for the session's. */
    void prepared(String name, String tenant) {
        if (tenant != null) {
            statementTenants.put(name, tenant);
        } else {
            statementTenants.remove(name);
        }
    }

    void refused(String name) {
        refusedStatements.add(name);
    }

    boolean isRefused(String name) {
        return refusedStatements.contains(name);
    }

    /** The tenant {@code name} was prepared for by a comment; null when the session's. */
    String tenantOf(String name) {
        return statementTenants.get(name);
    }
}
