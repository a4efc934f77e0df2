package dev.pgsteer.config.store;

/**
 * Where the pgsteer instances sharing a metadata store keep their two-phase-commit decisions: their
 * leases ({@link NodeLeases}) and the decisions themselves ({@link DecisionTable}).
 */
public record DecisionStore(NodeLeases leases, DecisionTable decisions) {
}
