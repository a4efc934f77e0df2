package dev.pgsteer.config.store;

import java.util.List;

/** What every instance follows of the moves: those not finished, and the holds of their cutovers. */
public record MovesState(List<MoveRecord> active, List<MoveHold> holds) {
    public static final MovesState NONE = new MovesState(List.of(), List.of());

    public MovesState {
        active = List.copyOf(active);
        holds = List.copyOf(holds);
    }
}
