package dev.pgsteer.proxy;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.ConfigLoader;
import dev.pgsteer.config.ListenAddress;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TlsConfig;
import dev.pgsteer.proxy.cli.CommandLine;
import dev.pgsteer.proxy.embedded.EmbeddedDefault;
import dev.pgsteer.proxy.server.HttpEndpoint;
import dev.pgsteer.proxy.server.PgSteerServer;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** {@code ./pgsteer}: reads the command line, starts what it asks for, stops cleanly on Ctrl-C or SIGTERM. */
public final class Main {
    /** How long a stop waits for running statements and transactions before ending them. */
    static final java.time.Duration SHUTDOWN_GRACE = java.time.Duration.ofSeconds(10);

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(CommandLine.parse(List.of(args)), System.out, System.err));
    }

    static int run(CommandLine command, PrintStream out, PrintStream err) throws Exception {
        try {
            return switch (command) {
                case CommandLine.Help help -> {
                    out.print(CommandLine.USAGE);
                    yield 0;
                }
                case CommandLine.Invalid invalid -> {
                    err.println("pgsteer: " + invalid.problem());
                    err.print(CommandLine.USAGE);
                    yield 2;
                }
                case CommandLine.CheckConfig check -> {
                    ProxyConfig config = ConfigLoader.load(check.file());
                    out.println(check.file() + ": OK (" + config.databases().size() + " database(s), "
                            + config.backends().size() + " backend(s), " + config.users().size() + " user(s))");
                    yield 0;
                }
                case CommandLine.FromFile file -> serve(ConfigLoader.load(file.file()), null, out);
                case CommandLine.Quick quick -> serve(tls(http(sized(ProxyConfig.quick(ListenAddress.parse(quick.listen()),
                        BackendUrl.parse(quick.backendUrl())), quick.poolSize()), quick.http()), quick.tls(), null), null, out);
                case CommandLine.Embedded embedded -> serveEmbedded(embedded, out);
            };
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("pgsteer: " + e.getMessage());
            return 2;
        }
    }

    private static int serveEmbedded(CommandLine.Embedded command, PrintStream out) throws Exception {
        out.println("Starting embedded PostgreSQL (data in " + command.dataDirectory().toAbsolutePath().normalize() + ") ...");
        EmbeddedDefault embedded = EmbeddedDefault.start(command.dataDirectory());
        ProxyConfig config = tls(http(sized(embedded.proxyConfig(command.listen()), command.poolSize()), command.http()),
                command.tls(), command.dataDirectory());
        return serve(config, embedded, out);
    }

    /** {@code --tls-*}: TLS for clients with the given files, or with a certificate made (once) in {@code dataDirectory}. */
    private static ProxyConfig tls(ProxyConfig config, CommandLine.Tls tls, java.nio.file.Path dataDirectory) {
        if (tls == null) {
            return config;
        }
        if (tls.selfSigned()) {
            java.nio.file.Path[] files = dev.pgsteer.proxy.tls.Certificates.selfSignedIn(dataDirectory.toAbsolutePath().normalize());
            return config.withTls(new TlsConfig(files[0], files[1], tls.required()));
        }
        return config.withTls(new TlsConfig(tls.cert().toAbsolutePath(), tls.key().toAbsolutePath(), tls.required()));
    }

    private static ProxyConfig sized(ProxyConfig config, Integer poolSize) {
        return poolSize == null ? config : config.withPoolSize(poolSize);
    }

    /** {@code --http}: null keeps the default, {@code off} turns the endpoint off. */
    private static ProxyConfig http(ProxyConfig config, String http) {
        if (http == null) {
            return config;
        }
        return config.withHttp(CommandLine.HTTP_OFF.equals(http) ? null : ListenAddress.parse(http));
    }

    private static int serve(ProxyConfig config, EmbeddedDefault embedded, PrintStream out) throws Exception {
        PgSteerServer server;
        try {
            server = new PgSteerServer(config);
            if (embedded != null) {
                server.decisionLog(embedded.decisionLog());
            }
            server.start();
            if (embedded != null && dev.pgsteer.proxy.embedded.DemoData.loadIfMissing("127.0.0.1", server.address().getPort())) {
                out.println("Loaded the demo tables (customers, orders, stores, products) into the three shards.");
            }
        } catch (Exception e) {
            if (embedded != null) {
                embedded.close();
            }
            if (e instanceof HttpEndpoint.CannotListenException || e instanceof dev.pgsteer.proxy.tls.TlsFilesException) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            throw new IllegalArgumentException("cannot listen on " + config.listen() + ": " + e.getMessage(), e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("pgsteer: stopping");
            // Running transactions get a few seconds to finish; new clients are refused meanwhile.
            server.drain(SHUTDOWN_GRACE);
            server.close();
            if (embedded != null) {
                try {
                    embedded.close();
                } catch (Exception e) {
                    out.println("pgsteer: embedded PostgreSQL did not stop cleanly: " + e.getMessage());
                }
            }
            out.println("pgsteer: stopped");
            stopped.countDown();
        }, "pgsteer-shutdown"));
        out.print(Banner.text(config, server.address(), server.httpAddress(), embedded));
        out.flush();
        stopped.await();
        return 0;
    }
}
