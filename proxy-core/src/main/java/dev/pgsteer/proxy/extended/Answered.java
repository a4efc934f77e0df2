package dev.pgsteer.proxy.extended;

/** Where the answer to one statement stands once it has been asked for. */
public enum Answered {
    /** Written in full: the next message can go. */
    WRITTEN,
    /** Its error was written: the rest of an extended-protocol batch is skipped up to its Sync. */
    FAILED,
    /** It comes later (it waits on other event loops); messages behind it wait until it is written. */
    PENDING
}
