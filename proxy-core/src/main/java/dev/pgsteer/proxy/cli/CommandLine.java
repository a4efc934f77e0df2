package dev.pgsteer.proxy.cli;

import dev.pgsteer.config.ListenAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What the user asked for on the command line. Parsing never starts anything; {@code Main} acts on
 * the result.
 */
public sealed interface CommandLine {

    /**
     * No arguments: embedded PostgreSQL started here, demo/demo/demo on 127.0.0.1:6432. {@code http}
     * is what {@code --http} said: {@code HOST:PORT}, {@link #HTTP_OFF}, or null for the default.
     */
    record Embedded(String listen, Path dataDirectory, Integer poolSize, String http, Tls tls) implements CommandLine {
        public Embedded(String listen, Path dataDirectory, Integer poolSize, String http) {
            this(listen, dataDirectory, poolSize, http, null);
        }

        public Embedded(String listen, Path dataDirectory) {
            this(listen, dataDirectory, null, null);
        }

        public Embedded(String listen, Path dataDirectory, Integer poolSize) {
            this(listen, dataDirectory, poolSize, null);
        }
    }

    /** {@code --listen H:P --backend URL}: in front of an existing server, no file. {@code http} as for {@link Embedded}. */
    record Quick(String listen, String backendUrl, Integer poolSize, String http, Tls tls) implements CommandLine {
        public Quick(String listen, String backendUrl, Integer poolSize, String http) {
            this(listen, backendUrl, poolSize, http, null);
        }

        public Quick(String listen, String backendUrl) {
            this(listen, backendUrl, null, null);
        }

        public Quick(String listen, String backendUrl, Integer poolSize) {
            this(listen, backendUrl, poolSize, null);
        }
    }

    /**
     * TLS for clients from the command line: {@code --tls-cert FILE --tls-key FILE}, or (embedded default
     * only) {@code --tls-self-signed}, which makes a certificate in the data folder; {@code --tls-required}
     * refuses clients without TLS. Null in the records above when none of these is given.
     */
    record Tls(Path cert, Path key, boolean selfSigned, boolean required) {
    }

    /** {@code --config FILE}. */
    record FromFile(Path file) implements CommandLine {
    }

    /** {@code --check-config FILE}: report what is wrong with a file, start nothing. */
    record CheckConfig(Path file) implements CommandLine {
    }

    record Help() implements CommandLine {
    }

    /**
     * {@code migrate FILE --config pgsteer.yaml [--tenants a,b]}: run a SQL file for every tenant of
     * the directory (or those listed), stopping at the first failure.
     */
    record Migrate(Path file, Path config, List<String> tenants) implements CommandLine {
    }

    /**
     * {@code admin "COMMAND" [--admin URL]}: one admin console command on a running pgsteer, its answer
     * printed as a table; a command that starts a move is then followed until it ends.
     */
    record Admin(String command, String adminUrl) implements CommandLine {
    }

    /** A mistake on the command line, with what to do instead. */
    record Invalid(String problem) implements CommandLine {
    }

    String DEFAULT_LISTEN = "127.0.0.1:6432";
    /** Where {@code pgsteer admin} connects without {@code --admin} or {@code $PGSTEER_ADMIN_URL}: the embedded default's console. */
    String DEFAULT_ADMIN_URL = "postgresql://demo:demo@127.0.0.1:6432/pgsteer";
    /** {@code --http off}: no metrics and health endpoint. */
    String HTTP_OFF = "off";

    static CommandLine parse(List<String> args) {
        if (!args.isEmpty() && args.getFirst().equals("migrate")) {
            return migrate(args.subList(1, args.size()));
        }
        if (!args.isEmpty() && args.getFirst().equals("admin")) {
            return admin(args.subList(1, args.size()));
        }
        String listen = null;
        String backend = null;
        Path config = null;
        Path check = null;
        Path data = null;
        Integer poolSize = null;
        String http = null;
        Path tlsCert = null;
        Path tlsKey = null;
        boolean selfSigned = false;
        boolean tlsRequired = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (name.equals("--help") || name.equals("-h")) {
                return new Help();
            }
            if (arg.equals("--tls-self-signed")) {
                selfSigned = true;
                continue;
            }
            if (arg.equals("--tls-required")) {
                tlsRequired = true;
                continue;
            }
            if (!List.of("--listen", "--backend", "--config", "--check-config", "--data", "--pool-size", "--http",
                    "--tls-cert", "--tls-key").contains(name)) {
                return new Invalid("unknown argument \"" + arg + "\"");
            }
            String value;
            if (arg.contains("=")) {
                value = arg.substring(arg.indexOf('=') + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                return new Invalid(name + " needs a value");
            }
            switch (name) {
                case "--listen" -> listen = value;
                case "--backend" -> backend = value;
                case "--config" -> config = Path.of(value);
                case "--tls-cert" -> tlsCert = Path.of(value);
                case "--tls-key" -> tlsKey = Path.of(value);
                case "--check-config" -> check = Path.of(value);
                case "--http" -> {
                    http = value.strip().equalsIgnoreCase(HTTP_OFF) ? HTTP_OFF : value;
                    if (!HTTP_OFF.equals(http)) {
                        try {
                            ListenAddress.parse(http);
                        } catch (IllegalArgumentException e) {
                            return new Invalid("--http needs HOST:PORT (like 127.0.0.1:9930) or off: " + e.getMessage());
                        }
                    }
                }
                case "--pool-size" -> {
                    try {
                        poolSize = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        poolSize = 0;
                    }
                    if (poolSize < 1) {
                        return new Invalid("--pool-size needs a whole number of connections, 1 or more, not \"" + value + "\"");
                    }
                }
                default -> data = Path.of(value);
            }
        }
        boolean anyTls = tlsCert != null || tlsKey != null || selfSigned || tlsRequired;
        if (check != null) {
            return listen == null && backend == null && config == null && http == null && !anyTls ? new CheckConfig(check)
                    : new Invalid("--check-config takes only the file to check");
        }
        if (config != null) {
            return backend == null && listen == null && data == null && poolSize == null && http == null && !anyTls
                    ? new FromFile(config)
                    : new Invalid("--config cannot be combined with --listen, --backend, --data, --pool-size, --http or --tls-*; "
                            + "put them in the file (--http is http: there, --tls-* is tls: { cert, key, required })");
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            return new Invalid("--tls-cert and --tls-key go together: the certificate and its private key, both PEM files");
        }
        if (selfSigned && tlsCert != null) {
            return new Invalid("--tls-self-signed makes its own certificate; give it or --tls-cert/--tls-key, not both");
        }
        if (tlsRequired && tlsCert == null && !selfSigned) {
            return new Invalid("--tls-required needs a certificate: add --tls-cert FILE --tls-key FILE"
                    + (backend == null ? " or --tls-self-signed" : ""));
        }
        Tls tls = anyTls ? new Tls(tlsCert, tlsKey, selfSigned, tlsRequired) : null;
        if (backend != null) {
            if (selfSigned) {
                return new Invalid("--tls-self-signed is for the embedded default only (it keeps the certificate in its data folder); "
                        + "give --tls-cert FILE --tls-key FILE");
            }
            return data == null ? new Quick(listen == null ? DEFAULT_LISTEN : listen, backend, poolSize, http, tls)
                    : new Invalid("--data is for the embedded default only");
        }
        return new Embedded(listen == null ? DEFAULT_LISTEN : listen, data == null ? Path.of("data") : data, poolSize, http, tls);
    }

    private static CommandLine admin(List<String> args) {
        String command = null;
        String url = System.getenv("PGSTEER_ADMIN_URL");
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--admin") || arg.startsWith("--admin=")) {
                if (arg.contains("=")) {
                    url = arg.substring(arg.indexOf('=') + 1);
                } else if (i + 1 < args.size()) {
                    url = args.get(++i);
                } else {
                    return new Invalid("--admin needs the console's URL, like postgresql://USER:PASS@HOST:PORT/pgsteer");
                }
            } else if (command == null && !arg.startsWith("--")) {
                command = arg;
            } else {
                return new Invalid("unknown argument \"" + arg + "\" for admin (quote the console command as one argument)");
            }
        }
        if (command == null || command.isBlank()) {
            return new Invalid("admin needs a console command: pgsteer admin \"SHOW SHARDS\" [--admin URL]");
        }
        return new Admin(command, url == null ? DEFAULT_ADMIN_URL : url);
    }

    private static CommandLine migrate(List<String> args) {
        Path file = null;
        Path config = null;
        List<String> tenants = List.of();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--config") || arg.equals("--tenants")) {
                if (i + 1 >= args.size()) {
                    return new Invalid(arg + " needs a value");
                }
                String value = args.get(++i);
                if (arg.equals("--config")) {
                    config = Path.of(value);
                } else {
                    tenants = Arrays.stream(value.split(",")).map(String::strip).filter(t -> !t.isEmpty()).toList();
                }
            } else if (arg.startsWith("--") || file != null) {
                return new Invalid("unknown argument \"" + arg + "\" for migrate");
            } else {
                file = Path.of(arg);
            }
        }
        if (file == null || config == null) {
            return new Invalid("migrate needs a SQL file and the configuration: pgsteer migrate FILE.sql --config pgsteer.yaml");
        }
        return new Migrate(file, config, tenants);
    }

    String USAGE = """
            Usage:
              pgsteer                                   embedded default: starts PostgreSQL itself (data in ./data)
                                                        and listens on 127.0.0.1:6432 (user demo, password demo, database demo)
                [--listen HOST:PORT] [--data DIR]         ... on another address, with the data elsewhere
              pgsteer --listen HOST:PORT --backend postgresql://USER:PASS@HOST:PORT[/DB]
                                                        in front of an existing PostgreSQL; clients log in as USER/PASS.
                                                        Without /DB every database of that server is reachable by name.
                [--pool-size N]                         at most N backend connections (default 20), here and in the embedded default
                [--http HOST:PORT | --http off]         metrics (/metrics) and health (/health/live, /health/ready) over HTTP,
                                                        here and in the embedded default (default 127.0.0.1:9930)
                [--tls-cert FILE --tls-key FILE]        TLS for clients that ask for it (sslmode=require), with this PEM
                                                        certificate and key, here and in the embedded default
                [--tls-self-signed]                     embedded default: TLS with a self-signed certificate made once in
                                                        the data folder (server.crt, server.key; clients may trust server.crt)
                [--tls-required]                        refuse clients that do not use TLS (with --tls-cert or --tls-self-signed)
              pgsteer --config pgsteer.yaml             listeners, users, backends, databases and pools from a file (http: there);
                                                        SIGHUP or the admin console's RELOAD re-reads it
              ... --log-format text|json                the log on stderr as text lines (default) or JSON lines, in any mode
              ... --io-threads N                        threads relaying client and backend bytes, in any mode
                                                        (default: one per two cores)
              pgsteer --check-config pgsteer.yaml       check a file: each problem with its line and the fix
              pgsteer migrate FILE.sql --config pgsteer.yaml [--tenants a,b]
                                                        run a SQL file for every tenant (or those listed), in order,
                                                        stopping at the first failure; prints what ran for each
              pgsteer admin "COMMAND" [--admin URL]     run an admin console command on a running pgsteer and print the
                                                        answer (URL default: $PGSTEER_ADMIN_URL, else the embedded default's
                                                        postgresql://demo:demo@127.0.0.1:6432/pgsteer); a command that starts
                                                        a move (MOVE ..., SPLIT SHARD, REBALANCE) is then followed once a second
                                                        until it is done (exit 0) or failed/cancelled (exit 1); Ctrl-C leaves it running
              pgsteer --help                            this text

            Connect with any PostgreSQL client, e.g.  psql "postgresql://demo:demo@127.0.0.1:6432/demo"
            """;
}
