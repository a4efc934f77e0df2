package dev.pgsteer.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * {@code databases.<name>.tenancy}: the database serves tenants, each routed to its own schema,
 * database or shared tables. {@code setting} is what {@code shared} tenants' connections carry for
 * row-level security ({@code app.tenant_id}); {@code sharedSchemas} follow a {@code schema} tenant's
 * own schema on its {@code search_path}; {@code template} is the SQL file applied to each new tenant
 * (null for none). {@code directory} (null for none) is the directory group of the database's
 * {@code function: directory} tables whose keys are tenant ids: the database then has sharded tables
 * too, and each {@code shared} tenant's id is placed on its shard in that directory.
 */
public record TenancyConfig(String setting, List<String> sharedSchemas, Path template, String directory) {

    public static final String DEFAULT_SETTING = "app.tenant_id";
    public static final List<String> DEFAULT_SHARED_SCHEMAS = List.of("public");

    public TenancyConfig {
        Objects.requireNonNull(setting, "setting");
        if (setting.indexOf('.') <= 0 || setting.endsWith(".")) {
            throw new IllegalArgumentException("the tenancy setting '" + setting
                    + "' must be a custom setting with a dot, like app.tenant_id");
        }
        sharedSchemas = List.copyOf(sharedSchemas);
    }

    /** Without sharded tables. */
    public TenancyConfig(String setting, List<String> sharedSchemas, Path template) {
        this(setting, sharedSchemas, template, null);
    }

    public static TenancyConfig defaults() {
        return new TenancyConfig(DEFAULT_SETTING, DEFAULT_SHARED_SCHEMAS, null);
    }
}
