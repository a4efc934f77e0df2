package dev.pgsteer.proxy.tenant.control;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.RolelessTenants;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantDirectory;
import dev.pgsteer.config.TenantMode;
import dev.pgsteer.config.TenantState;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Creating, changing and dropping tenants: what the server needs ({@link TenantProvisioner}) and the
 * directory entry in the metadata store, which every proxy instance then follows. The server comes
 * first, so a tenant is in the directory only once its schema or database exists. Blocking: call it
 * off the event loop.
 */
public final class TenantLifecycle {
    /** A request that cannot be done as asked; the message says why and what to do. */
    public static final class Refused extends RuntimeException {
        private final String sqlState;

        Refused(String sqlState, String message) {
            super(message);
            this.sqlState = sqlState;
        }

        public String sqlState() {
            return sqlState;
        }
    }

    private final Tenants tenants;

    public TenantLifecycle(Tenants tenants) {
        this.tenants = tenants;
    }

    /**
     * The tenant as it will be created: {@code database} may be null when the configuration has one
     * tenant database; {@code shard} null means its default shard. Every tenant gets its own role
     * (named after it unless {@code role} says otherwise, with a password pgsteer makes unless
     * {@code rolePassword} gives one), except with {@code noRole}: then it runs as the backend login.
     */
    public TenantConfig spec(String id, String database, String mode, String shard, String schema, String backend,
                             String role, String rolePassword, boolean noRole) {
        if (noRole && (role != null || rolePassword != null)) {
            throw new Refused("42601", "NO ROLE and ROLE/PASSWORD contradict each other: write one of them");
        }
        String login = noRole ? null : role != null ? role : id;
        String password = login == null ? null : rolePassword != null ? rolePassword : TenantRole.newPassword();
        return spec(id, database, mode, shard, schema, backend, login, password);
    }

    /** The tenant as it will be created, with exactly the role given (none when null). */
    public TenantConfig spec(String id, String database, String mode, String shard, String schema, String backend,
                             String role, String rolePassword) {
        ProxyConfig config = tenants.config();
        List<DatabaseConfig> tenanted = config.databases().values().stream().filter(DatabaseConfig::isTenanted).toList();
        DatabaseConfig db;
        if (database == null) {
            if (tenanted.size() != 1) {
                throw new Refused("42601", tenanted.isEmpty() ? "no database has tenancy: add tenancy: to one in the configuration"
                        : "say which database the tenant belongs to: IN " + String.join(" | ", tenanted.stream().map(DatabaseConfig::name).toList()));
            }
            db = tenanted.getFirst();
        } else {
            db = config.databases().get(database);
            if (db == null || !db.isTenanted()) {
                throw new Refused("3D000", "database \"" + database + "\" does not exist or has no tenancy");
            }
        }
        String onShard = shard == null ? db.defaultShard() : shard;
        if (!db.shards().contains(onShard)) {
            throw new Refused("42704", "\"" + onShard + "\" is not a shard of database " + db.name() + "; its shards are "
                    + String.join(", ", db.shards()));
        }
        try {
            return new TenantConfig(id, db.name(), TenantMode.parse(mode), onShard, schema, backend, role,
                    rolePassword, TenantState.ACTIVE, 0);
        } catch (IllegalArgumentException e) {
            throw new Refused("22023", e.getMessage());
        }
    }

    /** Provisions the tenant on its server, then adds it to the directory; returns what was done. */
    public List<String> create(TenantConfig tenant) throws SQLException {
        if (tenants.find(tenant.id()).isPresent()) {
            throw new Refused("42710", "tenant \"" + tenant.id() + "\" already exists");
        }
        List<String> done = new ArrayList<>(new TenantProvisioner(tenants.config()).provision(tenant));
        if (tenant.role() == null) {
            done.add("WARNING: " + RolelessTenants.NO_ROLE
                    + " (only pgsteer's lexical guard keeps it from other tenants' data)");
        }
        TenantConfig created = tenants.store().create(tenant);
        refresh();
        done.add("added tenant " + created.id() + " to the directory (version " + created.version() + ")");
        placements().record(created).ifPresent(done::add);
        return done;
    }

    public TenantConfig alter(String id, TenantState state) {
        TenantConfig tenant = existing(id);
        TenantConfig updated = tenants.store().update(tenant.withState(state, tenant.version()));
        refresh();
        return updated;
    }

    /** Removes the tenant from the directory; with {@code cascade}, its schema or database and role too. */
    public List<String> drop(String id, boolean cascade) throws SQLException {
        TenantConfig tenant = existing(id);
        List<String> done = new ArrayList<>();
        tenants.store().delete(id);
        refresh();
        done.add("removed tenant " + id + " from the directory");
        placements().forget(tenant).ifPresent(done::add);
        if (cascade) {
            done.addAll(new TenantProvisioner(tenants.config()).deprovision(tenant));
        }
        return done;
    }

    /** Runs {@code sql} for {@code ids} (all tenants, by id, when empty). */
    public List<TenantMigrator.Step> migrate(String sql, List<String> ids) {
        TenantDirectory directory = tenants.directory();
        List<TenantConfig> chosen = new ArrayList<>();
        if (ids.isEmpty()) {
            directory.tenants().values().stream().sorted(Comparator.comparing(TenantConfig::id)).forEach(chosen::add);
        } else {
            ids.forEach(id -> chosen.add(existing(id)));
        }
        return new TenantMigrator(tenants.config()).migrate(sql, chosen);
    }

    private TenantPlacements placements() {
        return new TenantPlacements(tenants.config(), tenants.store().keys());
    }

    private TenantConfig existing(String id) {
        return tenants.find(id).orElseThrow(() -> new Refused("3D000", "tenant \"" + id + "\" does not exist"));
    }

    /** This instance routes by the change at once; others hear of it from the store. */
    private void refresh() {
        tenants.directoryChanged(tenants.store().load());
    }
}
