package dev.pgsteer.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.errors.BackendUnavailableException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A server that accepts pgsteer's connection and never answers its login fails the login, within the connect timeout. */
class BackendConnectorDeadlineTest {
    @Test
    void aSilentServerFailsTheLoginWith08006AfterTheConnectTimeout() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            BackendConnector connector = new BackendConnector(Duration.ofMillis(300), NioSocketChannel.class, 10);
            BackendTarget target = new BackendTarget("mute", "127.0.0.1", silent.getLocalPort(), "app", "secret", "appdb");
            Future<BackendConnection> login = connector.connect(target, group.next());
            try (Socket accepted = silent.accept()) {
                // Generous: the bound is the connect timeout; this only keeps a broken deadline from hanging the build.
                assertTrue(login.await(10, TimeUnit.SECONDS), "the login gave up");
                BackendUnavailableException failure = (BackendUnavailableException) login.cause();
                assertEquals("08006", failure.error().sqlState());
                assertTrue(failure.error().message().contains("\"mute\"") && failure.error().message().contains("300 ms"),
                        failure.error().message());
                // pgsteer sent its startup message, then closed: the read ends rather than blocking.
                accepted.setSoTimeout(10_000);
                accepted.getInputStream().readAllBytes();
            }
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }
}
