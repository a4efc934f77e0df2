package dev.pgsteer.proxy.server;

import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Map;

/**
 * The socket implementation every event loop of the proxy uses. Client and backend channels must
 * share one, so that a backend connection can live on its client's loop.
 *
 * @param socketOptions options every client and backend socket gets before it registers with its loop
 * @param fallbackReason why a transport asked for (or preferred) could not be used; null when none was refused
 */
public record Transport(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel,
                        Class<? extends SocketChannel> socketChannel, Map<ChannelOption<Object>, Object> socketOptions,
                        String fallbackReason) {

    /** The system property that chooses: {@code io_uring}, {@code epoll} or {@code nio}. */
    public static final String PROPERTY = "pgsteer.transport";

    /** A value of {@link #PROPERTY} that names no transport. */
    public static final class UnknownTransportException extends IllegalArgumentException {
        UnknownTransportException(String asked) {
            super("-D" + PROPERTY + "=" + asked + " names no transport. Fix: use io_uring, epoll or nio, or leave it out"
                    + " (io_uring where the kernel allows it, else epoll, else nio)");
        }
    }

    /** The transport {@code -Dpgsteer.transport} asks for, or the fastest this machine offers. */
    public static Transport best() {
        return chosen(System.getProperty(PROPERTY, ""));
    }

    /**
     * io_uring first: on a 2-core machine it relayed as many transactions as epoll for about 15 %
     * less CPU each, and more at 64 clients (bench/RESULTS.md). Each step down keeps the reason, so the
     * start can say why (an old kernel, or a container's seccomp profile refusing io_uring).
     */
    public static Transport chosen(String asked) {
        return switch (asked) {
            case "", "io_uring" -> IoUring.isAvailable() ? ioUring() : epollOr(reason("io_uring", IoUring.unavailabilityCause()));
            case "epoll" -> epollOr(null);
            case "nio" -> nio();
            default -> throw new UnknownTransportException(asked);
        };
    }

    private static Transport epollOr(String earlierReason) {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel.class, Map.of(), earlierReason);
        }
        String epollReason = reason("epoll", Epoll.unavailabilityCause());
        return nio().steppedDownBecause(earlierReason == null ? epollReason : earlierReason + "; " + epollReason);
    }

    private Transport steppedDownBecause(String why) {
        return new Transport(name, ioHandlerFactory, serverChannel, socketChannel, socketOptions, why);
    }

    private static Transport ioUring() {
        return new Transport("io_uring", IoUringIoHandler.newFactory(ReceiveRing.handlerConfig()), IoUringServerSocketChannel.class,
                IoUringSocketChannel.class, ReceiveRing.socketOptions(), null);
    }

    private static String reason(String transport, Throwable cause) {
        return transport + " is unavailable (" + (cause == null ? "no reason given" : cause.getMessage()) + ")";
    }

    public static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class, Map.of(), null);
    }
}
