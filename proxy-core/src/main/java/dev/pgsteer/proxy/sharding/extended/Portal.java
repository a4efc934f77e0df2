package dev.pgsteer.proxy.sharding.extended;

import dev.pgsteer.protocol.message.frontend.Bind;
import dev.pgsteer.router.plan.KeySource;

/**
 * A portal the client bound: its statement and Bind, until its Execute. The Bind's frame is the
 * portal's own (retained), and its values are what the router reads a shard key from.
 */
public record Portal(Prepared prepared, Bind bind) implements KeySource.Placeholders {

    /** The value of {@code $number}, in the format the Bind gives it, read only when the router asks. */
    @Override
    public KeySource value(int number) {
        int i = number - 1;
        if (i < 0 || i >= bind.valueCount()) {
            throw new IndexOutOfBoundsException("the Bind has no value for $" + number);
        }
        if (bind.isNull(i)) {
            return null;
        }
        int formats = bind.parameterFormatCount();
        boolean binary = (formats == 1 || i < formats) && bind.parameterFormat(i) == Bind.BINARY;
        return binary ? KeySource.binary(bind.bytes(i)) : KeySource.text(bind.text(i));
    }

    /** The portal is closed or replaced: its Bind goes. */
    public void release() {
        bind.frame().release();
    }
}
