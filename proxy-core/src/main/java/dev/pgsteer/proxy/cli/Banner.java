package dev.pgsteer.proxy.cli;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.proxy.embedded.EmbeddedDefault;
import java.net.InetSocketAddress;
import java.util.Locale;

/** What pgsteer prints once it listens: where, in front of what, and how to connect. */
final class Banner {
    private Banner() {
    }

    /** {@code http} is where metrics and health are served, null when the endpoint is off. */
    static String text(ProxyConfig config, InetSocketAddress address, InetSocketAddress http, EmbeddedDefault embedded) {
        String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getHostString();
        String where = host + ":" + address.getPort();
        StringBuilder text = new StringBuilder();
        text.append("pgsteer listening on ").append(where).append(" (source: ").append(config.source()).append(")\n");
        config.databases().values().forEach(database -> text.append("  database ").append(database.name())
                .append(" -> ").append(database.isTenanted()
                        ? "tenants on " + String.join(", ", database.shards()) + " ("
                                + config.tenants().values().stream().filter(t -> t.database().equals(database.name())).count()
                                + " in the configuration)"
                        : database.isSharded()
                        ? "shards " + String.join(", ", database.shards()) + " (" + database.tables().size() + " tables in the shard map)"
                        : config.backends().get(database.shards().getFirst()).url())
                .append(", ").append(database.pool().mode().name().toLowerCase(Locale.ROOT)).append(" pooling")
                .append(", pool size ").append(database.pool().size()).append('\n'));
        if (embedded != null) {
            text.append("  embedded PostgreSQL shards on 127.0.0.1:")
                    .append(String.join(", ", embedded.ports().stream().map(String::valueOf).toList()))
                    .append(", metadata store on 127.0.0.1:").append(embedded.metadataPort())
                    .append(", data in ").append(embedded.dataDirectory()).append('\n');
            text.append("  spare server (in no database) on 127.0.0.1:").append(embedded.sparePort()).append(": on the admin console, ADD SHARD s3 '")
                    .append(embedded.spareUrl()).append("'\n");
            text.append("Connect:  psql \"postgresql://").append(EmbeddedDefault.USER).append(':').append(EmbeddedDefault.PASSWORD)
                    .append('@').append(where).append('/').append(EmbeddedDefault.DATABASE).append("\"\n");
            text.append("Tenants:  PGOPTIONS='-c pgsteer.tenant=acme' psql \"postgresql://").append(EmbeddedDefault.USER).append(':')
                    .append(EmbeddedDefault.PASSWORD).append('@').append(where).append("/saas\"   (also globex, initech)\n");
        } else {
            String user = config.users().keySet().stream().findFirst().orElse("USER");
            String database = config.databases().keySet().stream().filter(name -> !name.equals("*")).findFirst().orElse("DBNAME");
            text.append("Connect:  psql \"postgresql://").append(user).append("@").append(where).append('/').append(database).append("\"\n");
        }
        if (config.tls() != null) {
            text.append("TLS:      ").append(config.tls().required() ? "required" : "for clients that ask (sslmode=require)")
                    .append(", certificate ").append(config.tls().cert())
                    .append("\n          verify it with sslmode=verify-full sslrootcert=<the CA's certificate, or this file if self-signed>\n");
        }
        if (http != null) {
            String httpHost = http.getAddress().isAnyLocalAddress() ? "127.0.0.1" : http.getHostString();
            String base = "http://" + (httpHost.contains(":") ? "[" + httpHost + "]" : httpHost) + ":" + http.getPort();
            text.append("Metrics:  ").append(base).append("/metrics  (health: ").append(base).append("/health/ready)\n");
        }
        text.append("Stop:     Ctrl-C\n");
        return text.toString();
    }
}
