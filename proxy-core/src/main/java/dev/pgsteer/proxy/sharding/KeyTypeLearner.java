package dev.pgsteer.proxy.sharding;

import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After DDL, the key types of sharded tables that did not exist at start are read from the shard's
 * catalog (on the connection that ran the DDL, so an uncommitted CREATE TABLE is seen), before the
 * client's next statement is routed: a key hashes by its column's type. Then how the tables'
 * columns compare ({@link CollationCatalog}): a column created or altered with a linguistic
 * collation must not be ordered by the merge; then which functions are aggregates of the database's
 * own ({@link FunctionCatalog}): a call of one created by CREATE AGGREGATE must not be concatenated.
 */
public final class KeyTypeLearner {
    private static final Logger log = LoggerFactory.getLogger(KeyTypeLearner.class);

    private final ShardedDatabase database;
    private final EventLoop loop;
    /** Takes the connection back after pgsteer's own query on it. */
    private final BackendListener owner;
    private final String sessionId;

    public KeyTypeLearner(ShardedDatabase database, EventLoop loop, BackendListener owner, String sessionId) {
        this.database = database;
        this.loop = loop;
        this.owner = owner;
        this.sessionId = sessionId;
    }

    /** Reads what DDL on {@code link} made known, then runs {@code next}. */
    public void afterDdl(ShardLink link, Runnable next) {
        keyTypes(link, () -> collations(link, () -> functions(link, next)));
    }

    private void collations(ShardLink link, Runnable next) {
        if (!link.connection().isUsable()) {
            next.run();
            return;
        }
        String sql = CatalogQueries.collations(CollationCatalog.tables(database.config()));
        Future<List<List<String>>> read = link.connection().queryInternal(sql, loop, link.status());
        read.addListener(f -> {
            if (link.connection().isUsable()) {
                link.connection().attach(owner);
            }
            if (read.isSuccess()) {
                database.learned(CollationCatalog.of(read.getNow()));
            } else {
                log.warn("{}: could not read the collations of the sharded tables: {}", sessionId, read.cause().getMessage());
            }
            next.run();
        });
    }

    private void functions(ShardLink link, Runnable next) {
        if (!link.connection().isUsable()) {
            next.run();
            return;
        }
        Future<List<List<String>>> read = link.connection().queryInternal(CatalogQueries.functions(), loop, link.status());
        read.addListener(f -> {
            if (link.connection().isUsable()) {
                link.connection().attach(owner);
            }
            if (read.isSuccess()) {
                database.learned(FunctionCatalog.of(read.getNow()));
            } else {
                log.warn("{}: could not read the aggregate functions of the database: {}", sessionId, read.cause().getMessage());
            }
            next.run();
        });
    }

    private void keyTypes(ShardLink link, Runnable next) {
        List<TableConfig.Sharded> unknown = database.tablesOfUnknownKeyType();
        if (unknown.isEmpty() || !link.connection().isUsable()) {
            next.run();
            return;
        }
        Future<List<List<String>>> read = link.connection().queryInternal(CatalogQueries.keyTypes(unknown), loop, link.status());
        read.addListener(f -> {
            if (link.connection().isUsable()) {
                link.connection().attach(owner);
            }
            if (read.isSuccess()) {
                for (List<String> row : read.getNow()) {
                    KeyType.ofSqlType(row.get(1)).ifPresentOrElse(
                            type -> database.learned(row.get(0), type),
                            () -> log.warn("{}: the key of sharded table {} is of type {}, which pgsteer cannot shard by",
                                    sessionId, row.get(0), row.get(1)));
                }
            } else {
                log.warn("{}: could not read the key types of new sharded tables: {}", sessionId, read.cause().getMessage());
            }
            next.run();
        });
    }
}
