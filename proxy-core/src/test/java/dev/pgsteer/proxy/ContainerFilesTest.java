package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Docker's engine is not on the development machines, so the container files are checked by reading
 * them: the compose file, the pgsteer configuration it mounts (loaded with pgsteer's own loader) and
 * the Dockerfile must agree on ports, paths and service names.
 */
class ContainerFilesTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @SuppressWarnings("unchecked")
    static Map<String, Object> compose() throws Exception {
        return (Map<String, Object>) new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> service(String name) throws Exception {
        return (Map<String, Object>) ((Map<String, Object>) compose().get("services")).get(name);
    }

    /** The configuration file the compose file mounts into the pgsteer container, and where. */
    @SuppressWarnings("unchecked")
    static String[] mountedConfig() throws Exception {
        for (String volume : (List<String>) service("pgsteer").get("volumes")) {
            String[] parts = volume.split(":");
            if (parts[1].endsWith(".yaml")) {
                return parts;
            }
        }
        throw new AssertionError("docker-compose.yml mounts no pgsteer configuration");
    }

    static ProxyConfig config() throws Exception {
        Path file = ROOT.resolve(mountedConfig()[0]);
        return ConfigLoader.parse(Files.readString(file), file.toString(), Map.of());
    }

    @SuppressWarnings("unchecked")
    static List<String> publishedPorts() throws Exception {
        return ((List<Object>) service("pgsteer").get("ports")).stream().map(String::valueOf)
                .map(p -> p.substring(p.lastIndexOf(':') + 1)).toList();
    }

    static String dockerfile() throws Exception {
        return Files.readString(ROOT.resolve("Dockerfile"));
    }

    @Test
    void theMountedConfigurationLoadsAndIsWhereTheImageReadsIt() throws Exception {
        String[] mount = mountedConfig();
        assertTrue(Files.exists(ROOT.resolve(mount[0])), mount[0]);
        assertTrue(dockerfile().contains("\"--config\",\"" + mount[1] + "\""), "the image's CMD reads " + mount[1]);
        config();
    }

    @Test
    void everyBackendIsAServiceOfTheComposeFile() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> services = (Map<String, Object>) compose().get("services");
        for (BackendConfig backend : config().backends().values()) {
            assertTrue(services.containsKey(backend.url().host()), "backend " + backend.name() + " at host "
                    + backend.url().host() + " is a compose service: " + services.keySet());
        }
        var store = config().metadataStore();
        assertTrue(store != null && services.containsKey(store.url().host()), "the metadata store is a compose service");
    }

    @Test
    @SuppressWarnings("unchecked")
    void prometheusScrapesPgsteersEndpointAndGrafanaReadsPrometheus() throws Exception {
        Map<String, Object> prometheus = (Map<String, Object>) new Yaml().load(Files.readString(ROOT.resolve("deploy/prometheus.yml")));
        Map<String, Object> job = ((List<Map<String, Object>>) prometheus.get("scrape_configs")).getFirst();
        String target = ((List<String>) ((List<Map<String, Object>>) job.get("static_configs")).getFirst().get("targets")).getFirst();
        assertEquals("pgsteer:" + config().http().port(), target, "Prometheus scrapes the pgsteer service's metrics port");
        assertEquals("/metrics", job.get("metrics_path"));
        assertTrue(((List<String>) service("prometheus").get("volumes")).contains("./deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro"));

        Map<String, Object> datasources = (Map<String, Object>) new Yaml().load(
                Files.readString(ROOT.resolve("deploy/grafana/provisioning/datasources/prometheus.yml")));
        Map<String, Object> source = ((List<Map<String, Object>>) datasources.get("datasources")).getFirst();
        assertEquals("http://prometheus:9090", source.get("url"));
        assertTrue(publishedPortsOf("prometheus").contains("9090"));
        Map<String, Object> providers = (Map<String, Object>) new Yaml().load(
                Files.readString(ROOT.resolve("deploy/grafana/provisioning/dashboards/pgsteer.yml")));
        String dashboards = (String) ((Map<String, Object>) ((List<Map<String, Object>>) providers.get("providers")).getFirst()
                .get("options")).get("path");
        assertTrue(((List<String>) service("grafana").get("volumes")).contains("./deploy/grafana/dashboards:" + dashboards + ":ro"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyDashboardQueryUsesAMeterPgsteerServesAndTheProvisionedDataSource() throws Exception {
        // JSON is YAML: the dashboard parses with the same reader.
        Map<String, Object> dashboard = (Map<String, Object>) new Yaml().load(
                Files.readString(ROOT.resolve("deploy/grafana/dashboards/pgsteer.json")));
        String readme = Files.readString(ROOT.resolve("README.md"));
        List<Map<String, Object>> panels = (List<Map<String, Object>>) dashboard.get("panels");
        assertTrue(panels.size() >= 6, "the dashboard shows clients, statements, latency, errors, pools and more");
        for (Map<String, Object> panel : panels) {
            assertEquals("prometheus", ((Map<String, Object>) panel.get("datasource")).get("uid"));
            for (Map<String, Object> target : (List<Map<String, Object>>) panel.get("targets")) {
                Matcher meter = Pattern.compile("pgsteer_[a-z_]+").matcher((String) target.get("expr"));
                assertTrue(meter.find(), panel.get("title") + " queries a pgsteer meter");
                do {
                    String name = meter.group().replaceAll("_(bucket|count|sum)$", "");
                    assertTrue(readme.contains("`" + name + "`"), "README documents " + name + " used by " + panel.get("title"));
                } while (meter.find());
            }
        }
    }

    @SuppressWarnings("unchecked")
    static List<String> publishedPortsOf(String name) throws Exception {
        return ((List<Object>) service(name).get("ports")).stream().map(String::valueOf)
                .map(p -> p.substring(p.lastIndexOf(':') + 1)).toList();
    }

    @Test
    void theListenerAndTheMetricsEndpointListenOnEveryAddressAndArePublishedAndExposed() throws Exception {
        ProxyConfig config = config();
        String dockerfile = dockerfile();
        Matcher expose = Pattern.compile("(?m)^EXPOSE (.+)$").matcher(dockerfile);
        assertTrue(expose.find(), "the Dockerfile exposes ports");
        List<String> exposed = List.of(expose.group(1).trim().split("\\s+"));
        for (var address : List.of(config.listen(), config.http())) {
            String port = Integer.toString(address.port());
            assertEquals("0.0.0.0", address.host(), "reachable from outside the container: " + address);
            assertTrue(publishedPorts().contains(port), "compose publishes " + port + ": " + publishedPorts());
            assertTrue(exposed.contains(port), "the Dockerfile exposes " + port + ": " + exposed);
        }
        assertTrue(dockerfile.contains("HealthProbe\",\"http://127.0.0.1:" + config.http().port() + "/health/ready\""),
                "the image's health check asks the configured metrics endpoint");
    }

    /** One file of JVM options serves every start: the launcher, the image and the benchmark. */
    @Test
    void everyWayToStartReadsTheJvmOptionsFile() throws Exception {
        String dockerfile = dockerfile();
        assertTrue(dockerfile.contains("COPY jvm.options /opt/pgsteer/jvm.options"), "the image holds the options file");
        assertTrue(dockerfile.contains("ENTRYPOINT [\"java\",\"@/opt/pgsteer/jvm.options\","), "the image starts with it");
        assertTrue(Files.readString(ROOT.resolve("pgsteer")).contains("@\"$HERE/jvm.options\""), "./pgsteer starts with it");
        assertTrue(Files.readString(ROOT.resolve("bench/compare.sh")).contains("@$ROOT/jvm.options"),
                "the benchmark measures pgsteer as it is started");
    }

    /** A flag the JVM does not know would stop every start; the JVM running this test must accept them all. */
    @Test
    void theJvmAcceptsTheOptionsFile() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process jvm = new ProcessBuilder(java, "@" + ROOT.resolve("jvm.options"), "-version").redirectErrorStream(true).start();
        String output = new String(jvm.getInputStream().readAllBytes());
        assertEquals(0, jvm.waitFor(), output);
    }

    /** The file of flags for JDK 25+ comes right after jvm.options wherever pgsteer starts, and JDK 25 accepts both. */
    @Test
    void jdk25StartsAddTheirOwnOptionsFile() throws Exception {
        assertTrue(Files.readString(ROOT.resolve("pgsteer")).contains("@\"$HERE/jvm.options\" $(jdk_jvm_options \"$HERE\")"),
                "./pgsteer adds it");
        assertTrue(Files.readString(ROOT.resolve("bench/compare.sh")).contains("@$ROOT/jvm.options $(jdk_jvm_options \"$ROOT\")"),
                "the benchmark adds it");
        Assumptions.assumeTrue(Runtime.version().feature() >= 25, "JDK 21-24 are not given the file");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process jvm = new ProcessBuilder(java, "@" + ROOT.resolve("jvm.options"), "@" + ROOT.resolve("jvm-25.options"), "-version")
                .redirectErrorStream(true).start();
        String output = new String(jvm.getInputStream().readAllBytes());
        assertEquals(0, jvm.waitFor(), output);
    }
}
