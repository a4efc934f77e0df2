package dev.pgsteer.proxy.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code options} startup parameter, as libpq's PGOPTIONS writes it: {@code -c name=value} or
 * {@code --name=value}, separated by spaces, where a backslash escapes the next character.
 */
final class StartupOptions {
    private StartupOptions() {
    }

    static Map<String, String> parse(String options) {
        Map<String, String> settings = new LinkedHashMap<>();
        String[] words = split(options);
        for (int i = 0; i < words.length; i++) {
            String word = words[i];
            String assignment = null;
            if (word.equals("-c") && i + 1 < words.length) {
                assignment = words[++i];
            } else if (word.startsWith("-c")) {
                assignment = word.substring(2);
            } else if (word.startsWith("--")) {
                assignment = word.substring(2);
            }
            if (assignment != null) {
                int eq = assignment.indexOf('=');
                if (eq > 0) {
                    settings.put(assignment.substring(0, eq).replace('-', '_'), assignment.substring(eq + 1));
                }
            }
        }
        return settings;
    }

    private static String[] split(String options) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (c == '\\' && i + 1 < options.length()) {
                word.append(options.charAt(++i));
            } else if (Character.isWhitespace(c)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
            } else {
                word.append(c);
            }
        }
        if (!word.isEmpty()) {
            words.add(word.toString());
        }
        return words.toArray(String[]::new);
    }
}
