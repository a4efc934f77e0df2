package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.proxy.sharding.copy.CopyFeed;

/** The relay's unit, told that the client's copy data now goes through a {@link CopyFeed}, and when no more. */
public interface CopySplitHolder {
    void copySplitStarted(CopyFeed split);

    void copySplitEnded();
}
