package dev.pgsteer.config;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One tenant of the directory: {@code tenants.<id>} in the YAML, or a row of the metadata store.
 * {@code database} is the logical database (one with {@code tenancy:}) it belongs to; {@code shard}
 * the backend of that database holding its data (its default shard when not written); {@code schema}
 * its schema ({@code schema} mode, the id by default); {@code backend} its own backend database
 * ({@code database} mode: a backend's name, or a database name on the tenant's shard; the id by
 * default). With a {@code role}, its backend connections log in as that role, and PostgreSQL's grants
 * and policies enforce the isolation too. {@code version} grows with every change of the store.
 */
public record TenantConfig(String id, String database, TenantMode mode, String shard, String schema, String backend,
        String role, String rolePassword, TenantState state, long version) {

    /** What a tenant id may look like: it names schemas, roles and databases, and appears in comments. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}");

    public TenantConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(shard, "shard");
        Objects.requireNonNull(state, "state");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("'" + id + "' is not a valid tenant id: use up to 63 letters, digits, "
                    + "'_', '.' or '-', starting with a letter, digit or '_'");
        }
        if (mode == TenantMode.SCHEMA && schema == null) {
            schema = id;
        }
        if (mode != TenantMode.SCHEMA) {
            schema = null;
        }
        if (mode == TenantMode.DATABASE && backend == null) {
            backend = id;
        }
        if (mode != TenantMode.DATABASE) {
            backend = null;
        }
    }

    public TenantConfig withState(TenantState newState, long newVersion) {
        return new TenantConfig(id, database, mode, shard, schema, backend, role, rolePassword, newState, newVersion);
    }

    public TenantConfig withVersion(long newVersion) {
        return new TenantConfig(id, database, mode, shard, schema, backend, role, rolePassword, state, newVersion);
    }

    /** Where its rows are, for humans: {@code s0/schema acme}, {@code s1/shared}, {@code s0/database initech_db}. */
    public String target() {
        return switch (mode) {
            case SCHEMA -> shard + "/schema " + schema;
            case SHARED -> shard + "/shared";
            case DATABASE -> shard + "/database " + backend;
        };
    }

    @Override
    public String toString() {
        return "TenantConfig[id=" + id + ", database=" + database + ", mode=" + mode.configName() + ", target=" + target()
                + ", role=" + role + ", rolePassword=" + (rolePassword == null ? "none" : "***") + ", state="
                + state.configName() + ", version=" + version + "]";
    }
}
