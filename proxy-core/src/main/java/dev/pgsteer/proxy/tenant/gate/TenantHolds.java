package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.proxy.client.SessionGate;

/**
 * Whether a tenant's statements wait now: while a move of the tenant holds them (its cutover), the
 * tenant's sessions wait before their next statement outside a transaction. Asked on the event loop.
 */
public interface TenantHolds {

    /** Whether any tenant is held now: one read, asked first. */
    boolean active();

    /** What tenant {@code tenant} of {@code database}'s statements wait for; null when nothing holds them. */
    SessionGate.Hold hold(String database, String tenant);

    TenantHolds NONE = new TenantHolds() {
        @Override
        public boolean active() {
            return false;
        }

        @Override
        public SessionGate.Hold hold(String database, String tenant) {
            return null;
        }
    };
}
