package dev.pgsteer.proxy.cli;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.ListenAddress;
import dev.pgsteer.config.LoggingConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.RolelessTenants;
import dev.pgsteer.config.TlsConfig;
import dev.pgsteer.config.store.MetadataStoreException;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.embedded.DemoData;
import dev.pgsteer.proxy.embedded.EmbeddedDefault;
import dev.pgsteer.proxy.observe.LogSetup;
import dev.pgsteer.proxy.runtime.ReloadOutcome;
import dev.pgsteer.proxy.server.HttpEndpoint;
import dev.pgsteer.proxy.server.IoThreads;
import dev.pgsteer.proxy.server.MetadataStores;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.server.Transport;
import dev.pgsteer.proxy.tenant.control.MigrateCommand;
import dev.pgsteer.proxy.tls.Certificates;
import dev.pgsteer.proxy.tls.TlsFilesException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@code ./pgsteer}: reads the command line, starts what it asks for, stops cleanly on Ctrl-C or SIGTERM. */
public final class Main {
    /** How long a stop waits for running statements and transactions before ending them. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        NettyDefaults.apply();
        List<String> rest = new ArrayList<>();
        LoggingConfig.Format format;
        int ioThreads;
        try {
            List<String> withoutLogFormat = new ArrayList<>();
            format = logFormat(List.of(args), withoutLogFormat);
            String threads = takeOption("--io-threads", "a number of threads", withoutLogFormat, rest);
            ioThreads = threads == null ? IoThreads.DEFAULT : IoThreads.parse(threads);
        } catch (IllegalArgumentException e) {
            System.err.println("pgsteer: " + e.getMessage());
            System.err.print(CommandLine.USAGE);
            System.exit(2);
            return;
        }
        System.exit(run(CommandLine.parse(rest), System.out, System.err, new LogSetup(format, System.getenv()), ioThreads));
    }

    /**
     * {@code --log-format text|json}, which every mode takes: its value (null when absent), the
     * other arguments into {@code rest}.
     */
    static LoggingConfig.Format logFormat(List<String> args, List<String> rest) {
        String value = takeOption("--log-format", "text or json", args, rest);
        return value == null ? null : LoggingConfig.Format.parse(value);
    }

    /**
     * An option every mode takes ({@code NAME VALUE} or {@code NAME=VALUE}): its last value, null when
     * absent; the other arguments go into {@code rest}. {@code expected} says what a value looks like.
     */
    static String takeOption(String name, String expected, List<String> args, List<String> rest) {
        String value = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.startsWith(name + "=")) {
                value = arg.substring(name.length() + 1);
            } else if (arg.equals(name)) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(name + " needs a value: " + expected);
                }
                value = args.get(++i);
            } else {
                rest.add(arg);
            }
        }
        return value;
    }

    static int run(CommandLine command, PrintStream out, PrintStream err) throws Exception {
        return run(command, out, err, null);
    }

    /** {@code logs}: applies the file's {@code logging:} at start and on reload; null leaves logging alone (tests). */
    static int run(CommandLine command, PrintStream out, PrintStream err, LogSetup logs) throws Exception {
        return run(command, out, err, logs, IoThreads.DEFAULT);
    }

    /** {@code ioThreads}: what {@code --io-threads} said, or {@link IoThreads#DEFAULT}. */
    static int run(CommandLine command, PrintStream out, PrintStream err, LogSetup logs, int ioThreads) throws Exception {
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
                    // Loud but not fatal: a file whose tenants have no roles loaded before roles were the default.
                    RolelessTenants.warnings(config).forEach(err::println);
                    out.println(check.file() + ": OK (" + config.databases().size() + " database(s), "
                            + config.backends().size() + " backend(s), " + config.users().size() + " user(s))");
                    yield 0;
                }
                case CommandLine.FromFile file -> serve(ConfigLoader.load(file.file()), file.file(), null, out, logs, ioThreads);
                case CommandLine.Admin admin -> AdminClient.run(admin, out, err);
                case CommandLine.Migrate migrate -> MigrateCommand.run(migrate.file(),
                        ConfigLoader.load(migrate.config()), MetadataStores::open, migrate.tenants(), out);
                case CommandLine.Quick quick -> serve(tls(http(sized(ProxyConfig.quick(ListenAddress.parse(quick.listen()),
                        BackendUrl.parse(quick.backendUrl())), quick.poolSize()), quick.http()), quick.tls(), null), null, null, out,
                        logs, ioThreads);
                case CommandLine.Embedded embedded -> serveEmbedded(embedded, out, logs, ioThreads);
            };
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("pgsteer: " + e.getMessage());
            return 2;
        }
    }

    private static int serveEmbedded(CommandLine.Embedded command, PrintStream out, LogSetup logs, int ioThreads)
            throws Exception {
        out.println("Starting embedded PostgreSQL (data in " + command.dataDirectory().toAbsolutePath().normalize() + ") ...");
        EmbeddedDefault embedded = EmbeddedDefault.start(command.dataDirectory());
        ProxyConfig config = tls(http(sized(embedded.proxyConfig(command.listen()), command.poolSize()), command.http()),
                command.tls(), command.dataDirectory());
        return serve(config, null, embedded, out, logs, ioThreads);
    }

    /**
     * SIGHUP re-reads the configuration file, as the admin console's RELOAD does; the outcome is
     * logged. The handler only starts the reload, which runs on its own thread.
     */
    @SuppressWarnings("restriction")
    static void onSighup(PgSteerServer server) {
        try {
            SignalHandler before = Signal.handle(new Signal("HUP"), signal -> hangUp(server));
            if (before == SignalHandler.SIG_IGN) {
                // The JVM keeps a signal ignored that the process was started with ignored (nohup
                // does that): the handler is registered but never called. Say so, not silently.
                log.warn("SIGHUP is ignored in this process (it was started with SIGHUP ignored, as nohup does), so it "
                        + "will not reload the configuration; use the admin console's RELOAD, or start pgsteer without nohup "
                        + "(systemd, a container or setsid keep SIGHUP)");
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // No SIGHUP on this platform (Windows), or the JVM keeps it (-Xrs): RELOAD still works.
            log.info("SIGHUP cannot be handled here ({}); use the admin console's RELOAD", e.getMessage());
        }
    }

    /** What SIGHUP does: a reload, whose outcome the reloader logs. */
    static CompletableFuture<ReloadOutcome> hangUp(PgSteerServer server) {
        log.info("SIGHUP: reloading the configuration");
        return server.reload();
    }

    /** {@code --tls-*}: TLS for clients with the given files, or with a certificate made (once) in {@code dataDirectory}. */
    private static ProxyConfig tls(ProxyConfig config, CommandLine.Tls tls, Path dataDirectory) {
        if (tls == null) {
            return config;
        }
        if (tls.selfSigned()) {
            Path[] files = Certificates.selfSignedIn(dataDirectory.toAbsolutePath().normalize());
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

    private static int serve(ProxyConfig config, Path file, EmbeddedDefault embedded, PrintStream out, LogSetup logs,
            int ioThreads) throws Exception {
        if (logs != null) {
            logs.apply(config.logging());
        }
        PgSteerServer server;
        try {
            server = new PgSteerServer(config).configFile(file).ioThreads(ioThreads);
            if (embedded != null) {
                server.decisionLog(embedded.decisionLog());
            }
            server.start();
            if (embedded != null && DemoData.loadIfMissing("127.0.0.1", server.address().getPort())) {
                out.println("Loaded the demo tables (customers, orders, stores, products) into the three shards.");
            }
        } catch (Exception e) {
            if (embedded != null) {
                embedded.close();
            }
            if (e instanceof MetadataStoreException) {
                throw new IllegalArgumentException("cannot open the metadata store: " + e.getMessage(), e);
            }
            if (e instanceof HttpEndpoint.CannotListenException || e instanceof TlsFilesException
                    || e instanceof Transport.UnknownTransportException) {
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
        if (logs != null) {
            server.context().addReloadListener((before, after) -> logs.apply(after.logging()));
        }
        onSighup(server);
        out.print(Banner.text(server.context().config(), server.address(), server.httpAddress(), embedded));
        out.flush();
        stopped.await();
        return 0;
    }
}
