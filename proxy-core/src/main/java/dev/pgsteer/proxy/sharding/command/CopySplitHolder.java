package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.proxy.sharding.copy.CopySplit;

/** The relay's unit, told that the client's copy data now goes through a {@link CopySplit}, and when no more. */
public interface CopySplitHolder {
    void copySplitStarted(CopySplit split);

    void copySplitEnded();
}
