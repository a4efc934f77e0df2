package dev.pgsteer.config.yaml;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.MetadataStoreConfig;
import dev.pgsteer.config.RolelessTenants;
import dev.pgsteer.config.SourceLines;
import dev.pgsteer.config.TenancyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantMode;
import dev.pgsteer.config.TenantState;
import dev.pgsteer.config.UserConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The multi-tenancy part of the file: a database's {@code tenancy:}, the {@code tenants:} directory
 * and {@code metadata_store:}. Reports through the same {@link NodeReader} as {@link ConfigBinder}.
 *
 * <pre>
 * databases:
 *   saas: { shards: [s0, s1], tenancy: { setting: app.tenant_id, shared_schemas: [public] } }
 * tenants:
 *   acme:    { database: saas, mode: schema, shard: s0, schema: acme, role: acme }
 *   globex:  { database: saas, mode: shared, shard: s1 }
 *   initech: { database: saas, mode: database, backend: initech_db }
 * </pre>
 */
final class TenantBinder {

    static final List<String> TENANCY_KEYS = List.of("setting", "shared_schemas", "template", "directory");
    static final List<String> TENANT_KEYS =
            List.of("database", "mode", "shard", "schema", "backend", "role", "role_password", "state");
    static final List<String> STORE_KEYS = List.of("url", "schema", "node_timeout");
    /** PostgreSQL's NAMEDATALEN - 1. */
    private static final int MAX_NAME_BYTES = 63;
    private static final String TENANT_EXAMPLE = "{ database: saas, mode: schema, shard: s0 }";

    private final NodeReader reader;
    /**
     * Every tenant id and database name written in the file, bound or not: a tenant of a database
     * that had its own problem, or a user pinned to a tenant that had one, is not reported again
     * as naming something that does not exist.
     */
    private final Set<String> writtenTenants = new HashSet<>();
    private final Set<String> writtenDatabases = new HashSet<>();

    /** Where each tenant was written ({@code tenants.<id>}), for the warnings made after loading ({@link RolelessTenants}). */
    private final Map<String, Integer> lines;

    TenantBinder(NodeReader reader, Map<String, Integer> lines) {
        this.reader = reader;
        this.lines = lines;
    }

    /** {@code databases.<name>.tenancy}; null when the database has none. */
    TenancyConfig tenancy(Section database) {
        Optional<Node> node = database.value("tenancy");
        if (node.isEmpty()) {
            return null;
        }
        if (NodeReader.isNull(node.get())) {
            return TenancyConfig.defaults();
        }
        String path = database.pathOf("tenancy");
        Optional<Section> section = reader.section(node.get(), path, "tenancy: { setting: app.tenant_id, shared_schemas: [public] }");
        if (section.isEmpty()) {
            return TenancyConfig.defaults();
        }
        Section s = section.get();
        reader.allowOnly(s, TENANCY_KEYS);
        String setting = reader.text(s, "setting").orElse(TenancyConfig.DEFAULT_SETTING);
        if (setting.indexOf('.') <= 0 || setting.endsWith(".") || setting.startsWith("pgsteer.")) {
            reader.problem(s.value("setting").orElseThrow(), path + ".setting '" + setting
                            + "' cannot carry a tenant: PostgreSQL keeps custom settings only under a prefix, "
                            + "and pgsteer.* is the proxy's own",
                    "use a custom setting with a dot, like setting: app.tenant_id");
            setting = TenancyConfig.DEFAULT_SETTING;
        }
        List<String> shared = s.has("shared_schemas") ? names(s, "shared_schemas") : TenancyConfig.DEFAULT_SHARED_SCHEMAS;
        Path template = reader.text(s, "template").map(text -> templatePath(s, text)).orElse(null);
        String directory = reader.text(s, "directory").map(d -> d.toLowerCase(Locale.ROOT)).orElse(null);
        return new TenancyConfig(setting, shared, template, directory);
    }

    private Path templatePath(Section s, String text) {
        Path written = Path.of(text);
        Path resolved = written;
        if (!written.isAbsolute()) {
            Path dir = Path.of(reader.source()).toAbsolutePath().getParent();
            resolved = dir == null ? written : dir.resolve(written);
        }
        if (!Files.isReadable(resolved)) {
            reader.problem(s.value("template").orElseThrow(), s.pathOf("template") + ": cannot read " + resolved,
                    "give the path of a SQL file, relative to this configuration file or absolute");
            return null;
        }
        return resolved.normalize();
    }

    private List<String> names(Section s, String key) {
        Node node = s.value(key).orElseThrow();
        if (NodeReader.isNull(node)) {
            return List.of();
        }
        if (!(node instanceof SequenceNode list)) {
            reader.problem(node, s.pathOf(key) + " must be a list of names", "write " + key + ": [public]");
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < list.getValue().size(); i++) {
            reader.text(list.getValue().get(i), s.pathOf(key) + "[" + i + "]").ifPresent(names::add);
        }
        return names;
    }

    /** The {@code tenants:} section, checked against the databases that have tenancy. */
    Map<String, TenantConfig> tenants(Section top, Map<String, DatabaseConfig> databases) {
        Map<String, TenantConfig> tenants = new LinkedHashMap<>();
        Optional<Node> node = top.value("tenants");
        if (node.isEmpty() || NodeReader.isNull(node.get())) {
            return tenants;
        }
        top.value("databases").filter(MappingNode.class::isInstance).map(MappingNode.class::cast).ifPresent(m ->
                m.getValue().forEach(tuple -> {
                    if (tuple.getKeyNode() instanceof ScalarNode key) {
                        writtenDatabases.add(key.getValue());
                    }
                }));
        reader.section(node.get(), "tenants", "tenants: { acme: " + TENANT_EXAMPLE + " }").ifPresent(section ->
                section.entries().forEach((id, entry) -> {
                    writtenTenants.add(id);
                    lines.put(SourceLines.tenantPath(id), NodeReader.line(entry.key()));
                    if (!TenantConfig.ID.matcher(id).matches()) {
                        reader.problem(entry.key(), "'" + id + "' is not a valid tenant id",
                                "use up to 63 letters, digits, '_', '.' or '-', starting with a letter, digit or '_'");
                        return;
                    }
                    reader.section(entry.value(), section.pathOf(id), TENANT_EXAMPLE)
                            .flatMap(t -> tenant(id, t, databases))
                            .ifPresent(t -> tenants.put(id, t));
                }));
        return tenants;
    }

    private Optional<TenantConfig> tenant(String id, Section s, Map<String, DatabaseConfig> databases) {
        reader.allowOnly(s, TENANT_KEYS);
        List<String> tenanted = databases.values().stream().filter(DatabaseConfig::isTenanted).map(DatabaseConfig::name).toList();
        Optional<String> dbName = reader.text(s, "database");
        if (dbName.isEmpty()) {
            reader.problem(s.node(), "tenant '" + id + "' names no database", tenanted.isEmpty()
                    ? "add database: NAME, and give that database a tenancy: section"
                    : "add database: " + tenanted.getFirst());
            return Optional.empty();
        }
        DatabaseConfig db = databases.get(dbName.get());
        if (db == null && writtenDatabases.contains(dbName.get())) {
            return Optional.empty();   // the database's own problem is reported
        }
        if (db == null) {
            String nameOne = tenanted.isEmpty() ? "add tenancy: {} to the database its tenants live in"
                    : "name one with tenancy: " + String.join(", ", tenanted);
            reader.problem(s.value("database").orElseThrow(), s.pathOf("database") + ": '" + dbName.get()
                            + "' is not a database of this file",
                    Suggestions.closest(dbName.get(), tenanted).map(c -> "did you mean '" + c + "'? " + nameOne)
                            .orElse(nameOne));
            return Optional.empty();
        }
        if (!db.isTenanted()) {
            reader.problem(s.value("database").orElseThrow(), s.pathOf("database") + ": '" + db.name()
                            + "' has no tenancy", "add tenancy: {} to databases." + db.name()
                            + (tenanted.isEmpty() ? "" : ", or name one with tenancy: " + String.join(", ", tenanted)));
            return Optional.empty();
        }
        if (!s.has("mode")) {
            reader.problem(s.node(), "tenant '" + id + "' has no mode", "add mode: with one of " + TenantMode.validNames());
            return Optional.empty();
        }
        Optional<TenantMode> mode = reader.parsed(s, "mode", TenantMode::parse, "use one of " + TenantMode.validNames());
        String shard = reader.text(s, "shard").orElse(db.defaultShard());
        if (!db.shards().contains(shard)) {
            reader.problem(s.value("shard").orElseThrow(), s.pathOf("shard") + ": '" + shard
                    + "' is not a shard of database " + db.name(), "use one of " + String.join(", ", db.shards()));
            return Optional.empty();
        }
        mode.ifPresent(m -> {
            onlyIn(s, "schema", m, TenantMode.SCHEMA);
            onlyIn(s, "backend", m, TenantMode.DATABASE);
        });
        if (s.has("role_password") && !s.has("role")) {
            reader.problem(s.value("role_password").orElseThrow(), s.pathOf("role_password")
                    + " is set, but the tenant has no role to log in as", "add role: NAME, or remove role_password");
        }
        TenantState state = reader.parsed(s, "state", TenantState::parse, "use one of " + TenantState.validNames())
                .orElse(TenantState.ACTIVE);
        return mode.map(m -> new TenantConfig(id, db.name(), m, shard, reader.text(s, "schema").orElse(null),
                reader.text(s, "backend").orElse(null), reader.text(s, "role").orElse(null),
                reader.text(s, "role_password").orElse(null), state, 0));
    }

    private void onlyIn(Section s, String key, TenantMode mode, TenantMode owner) {
        if (s.has(key) && mode != owner) {
            reader.problem(s.value(key).orElseThrow(), s.pathOf(key) + " applies only to mode " + owner.configName()
                    + " tenants, and this one is " + mode.configName(), "remove it, or set mode: " + owner.configName());
        }
    }

    /** {@code metadata_store: { url: postgresql://..., schema: pgsteer }}; null when absent. */
    MetadataStoreConfig metadataStore(Section top) {
        Optional<Node> node = top.value("metadata_store");
        if (node.isEmpty() || NodeReader.isNull(node.get())) {
            return null;
        }
        String example = "metadata_store: { url: \"postgresql://USER:PASSWORD@HOST:PORT/DATABASE\" }";
        Optional<Section> section = reader.section(node.get(), "metadata_store", example);
        if (section.isEmpty()) {
            return null;
        }
        reader.allowOnly(section.get(), STORE_KEYS);
        if (!section.get().has("url")) {
            reader.problem(section.get().node(), "metadata_store has no url", "write " + example);
            return null;
        }
        Optional<BackendUrl> url = reader.parsed(section.get(), "url", BackendUrl::parse,
                "write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE");
        String schema = reader.text(section.get(), "schema").orElse(MetadataStoreConfig.DEFAULT_SCHEMA);
        if (schema.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            reader.problem(section.get().value("schema").orElseThrow(), "metadata_store.schema: '" + schema
                    + "' is longer than PostgreSQL's " + MAX_NAME_BYTES + "-byte names", "use a shorter schema name, like "
                    + MetadataStoreConfig.DEFAULT_SCHEMA);
            return null;
        }
        Duration nodeTimeout = reader.duration(section.get(), "node_timeout").orElse(MetadataStoreConfig.DEFAULT_NODE_TIMEOUT);
        if (nodeTimeout.toMillis() < 300) {
            reader.problem(section.get().value("node_timeout").orElseThrow(), "metadata_store.node_timeout: " + nodeTimeout.toMillis()
                    + "ms is too short for an instance to renew its lease in time", "use 300ms or more (the default is "
                    + MetadataStoreConfig.DEFAULT_NODE_TIMEOUT.toSeconds() + "s)");
            return null;
        }
        return url.map(u -> new MetadataStoreConfig(u, schema, nodeTimeout)).orElse(null);
    }

    /** A user's {@code tenant:} must name a tenant, unless a metadata store may add it later. */
    void checkPinnedUsers(Section top, Map<String, UserConfig> users, Map<String, TenantConfig> tenants,
                          MetadataStoreConfig store, Map<String, Node> tenantNodes) {
        if (store != null) {
            return;
        }
        users.values().stream()
                .filter(u -> u.tenant() != null && !tenants.containsKey(u.tenant()) && !writtenTenants.contains(u.tenant()))
                .forEach(u -> {
                    String fix = tenants.isEmpty() ? "add it under tenants:"
                            : "use one of " + String.join(", ", tenants.keySet()) + ", or add it under tenants:";
                    reader.problem(tenantNodes.get(u.name()), "users." + u.name() + ".tenant: there is no tenant '"
                            + u.tenant() + "'", Suggestions.closest(u.tenant(), tenants.keySet())
                            .map(c -> "did you mean '" + c + "'? " + fix).orElse(fix));
                });
    }
}
