package dev.pgsteer.proxy.admin;

import dev.pgsteer.proxy.runtime.ProxyContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One command of the admin console, one class each ({@link ShowPools}, ...), in the spirit of
 * PgBouncer's SHOW views and PgDog's {@code admin/show_pools.rs}. Its columns are fixed, so a
 * Describe can answer before the command runs.
 */
interface AdminCommand {

    /** As the user types it, in capitals: {@code SHOW POOLS}. */
    String name();

    /** One line for SHOW HELP. */
    String description();

    List<Column> columns();

    /** The answer; most complete at once, SHOW CLIENTS once every session's event loop answered. */
    CompletableFuture<Result> run(ProxyContext context);
}
