package dev.pgsteer.proxy.cli;

/**
 * Netty settings pgsteer starts with unless the JVM was given its own ({@code -D} in
 * {@code PGSTEER_JAVA_OPTS} or {@code JAVA_TOOL_OPTIONS}). Set before the first Netty class loads.
 */
final class NettyDefaults {
    private static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    private NettyDefaults() {
    }

    static void apply() {
        // Netty samples one buffer in 128 for leak detection by default, and each sample records a
        // stack trace: about 4 % of the relay's own CPU in a profile of pgbench select-only. The test
        // suite runs with it at "paranoid" on every buffer, which is where leaks are caught.
        if (System.getProperty(LEAK_DETECTION) == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
            System.setProperty(LEAK_DETECTION, "disabled");
        }
    }
}
