package dev.pgsteer.router.command;

import java.util.Collection;

/**
 * What the router needs to know of the session a statement comes from: the shards its transaction
 * already holds (reads of reference tables prefer them), whether that transaction failed (then only
 * its end is accepted), and whether the statement came in the extended protocol (some COPY forms
 * need the simple one).
 */
public record RouteContext(Collection<String> heldShards, boolean transactionFailed, boolean extended) {
}
