package dev.pgsteer.proxy.tenant.control;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantDirectory;
import dev.pgsteer.config.store.MetadataStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/** {@code pgsteer migrate FILE --config pgsteer.yaml [--tenants a,b]}: MIGRATE from the command line. */
public final class MigrateCommand {
    private MigrateCommand() {
    }

    /**
     * 0 when every tenant ran the file, 1 when one failed (the rest skipped). {@code stores} opens the
     * store {@code config} names: the caller's, as the server's, so that this package needs nothing
     * of the server's.
     */
    public static int run(Path file, ProxyConfig config, Function<ProxyConfig, MetadataStore> stores, List<String> ids,
                          PrintStream out) throws IOException {
        String sql = Files.readString(file);
        TenantDirectory directory;
        try (MetadataStore store = stores.apply(config)) {
            directory = store.load();
        }
        List<TenantConfig> tenants = new ArrayList<>();
        if (ids.isEmpty()) {
            directory.tenants().values().stream().sorted(Comparator.comparing(TenantConfig::id)).forEach(tenants::add);
        } else {
            for (String id : ids) {
                tenants.add(directory.get(id).orElseThrow(() -> new IllegalArgumentException("tenant \"" + id
                        + "\" does not exist; the directory has " + String.join(", ", directory.tenants().keySet()))));
            }
        }
        List<TenantMigrator.Step> steps = new TenantMigrator(config).migrate(sql, tenants);
        boolean failed = false;
        for (TenantMigrator.Step step : steps) {
            out.println(step.tenant() + "\t" + step.target() + "\t" + step.status() + (step.detail() == null ? "" : "\t" + step.detail()));
            failed |= step.status().equals("failed");
        }
        out.println(file + ": " + steps.stream().filter(s -> s.status().equals("ok")).count() + " of " + steps.size()
                + " tenant(s) migrated" + (failed ? "; stopped at the first failure" : ""));
        return failed ? 1 : 0;
    }
}
