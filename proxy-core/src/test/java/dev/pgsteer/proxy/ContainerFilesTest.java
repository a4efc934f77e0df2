package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.ConfigLoader;
import dev.pgsteer.config.ProxyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
}
