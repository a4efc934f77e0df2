package dev.pgsteer.proxy.server;

import dev.pgsteer.config.MetadataStoreConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.store.DecisionStore;
import dev.pgsteer.config.store.MetadataStore;
import dev.pgsteer.proxy.sharding.transaction.DecisionLog;
import dev.pgsteer.proxy.sharding.transaction.FileDecisionLog;
import dev.pgsteer.proxy.sharding.transaction.InDoubtResolver;
import dev.pgsteer.proxy.sharding.transaction.LeaseKeeper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the decision log of this instance's two-phase commits: in the metadata store under a lease
 * ({@link LeaseKeeper}) when the store is shared, else the local file {@link DecisionLogPlace} names
 * (or the one the caller gives: the embedded default's {@code --data}, tests).
 */
final class DecisionLogs {
    private static final Logger log = LoggerFactory.getLogger(DecisionLogs.class);

    /** The log, and the keeper of its lease when it is the store's (null for a local file). */
    record Opened(DecisionLog decisions, LeaseKeeper keeper) {
    }

    private DecisionLogs() {
    }

    /**
     * {@code localPath}: the local file to use, or null for {@link DecisionLogPlace}'s choice;
     * {@code blocking} runs the decision writes; {@code current} gives the shards a takeover sweeps.
     */
    static Opened open(ProxyConfig config, Path localPath, MetadataStore store, Executor blocking, Supplier<ProxyConfig> current) {
        Optional<DecisionStore> shared = store == null ? Optional.empty() : store.decisionStore();
        Opened opened;
        if (shared.isPresent()) {
            finishLocalLog(config, localPath, blocking);
            MetadataStoreConfig storeConfig = config.metadataStore();
            LeaseKeeper keeper = LeaseKeeper.start(shared.get(),
                    storeConfig == null ? MetadataStoreConfig.DEFAULT_NODE_TIMEOUT : storeConfig.nodeTimeout(),
                    blocking, current, store.describe());
            opened = new Opened(keeper.decisions(), keeper);
        } else {
            opened = new Opened(FileDecisionLog.open(localPath(config, localPath, true), blocking), null);
        }
        log.info("two-phase-commit decisions are kept in {}", opened.decisions().describe());
        return opened;
    }

    private static Path localPath(ProxyConfig config, Path given, boolean warn) {
        if (given != null) {
            return given;
        }
        DecisionLogPlace place = DecisionLogPlace.choose(config, System.getenv(), Path.of("").toAbsolutePath());
        if (warn && place.note() != null) {
            log.warn("{}", place.note());
        }
        return place.path();
    }

    /**
     * A metadata store configured where a local decision log was kept before: the transactions that
     * log's node left prepared are finished now, or nobody would (the store knows nothing of them),
     * and the file is removed once every shard was read.
     */
    private static void finishLocalLog(ProxyConfig config, Path given, Executor blocking) {
        Path path = localPath(config, given, false);
        if (!Files.exists(path)) {
            return;
        }
        InDoubtResolver.Outcome outcome;
        try (FileDecisionLog local = FileDecisionLog.open(path, blocking)) {
            String node = local.node();
            outcome = InDoubtResolver.resolve(config, local, gid -> gid.node().equals(node));
        }
        outcome.lines().forEach(line -> log.info("two-phase commit recovery ({}): {}", path, line));
        if (!outcome.complete()) {
            return;
        }
        try {
            Files.deleteIfExists(path);
            Files.deleteIfExists(path.resolveSibling(path.getFileName() + ".lock"));
            log.info("removed the local decision log {}: decisions are kept in the metadata store now", path);
        } catch (IOException e) {
            log.warn("cannot remove the local decision log {}: {}", path, e.getMessage());
        }
    }
}
