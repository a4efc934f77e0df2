package dev.pgsteer.config.yaml;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * {@code ${NAME}} and {@code ${NAME:-default}} inside a scalar, so secrets stay out of the file.
 * As in the shell, the default also replaces a variable that is set but empty. {@code $${} writes a
 * literal {@code ${}. Substituted text is not scanned again, so a value holding {@code ${} stays as is.
 */
final class EnvInterpolator {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** A reference to a variable that is not set and has no default. */
    static final class UnsetVariableException extends IllegalArgumentException {
        private final String variable;

        UnsetVariableException(String variable) {
            super("the environment variable " + variable + " is not set");
            this.variable = variable;
        }

        String variable() {
            return variable;
        }
    }

    private final Map<String, String> env;

    EnvInterpolator(Map<String, String> env) {
        this.env = Objects.requireNonNull(env, "env");
    }

    String apply(String text) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            if (text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (text.startsWith("${", i)) {
                int close = text.indexOf('}', i + 2);
                if (close < 0) {
                    throw new IllegalArgumentException("a '${' is not closed by '}'");
                }
                out.append(resolve(text.substring(i + 2, close)));
                i = close + 1;
            } else {
                out.append(text.charAt(i++));
            }
        }
        return out.toString();
    }

    private String resolve(String reference) {
        int sep = reference.indexOf(":-");
        String name = sep < 0 ? reference : reference.substring(0, sep);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' inside ${...} is not a variable name");
        }
        String value = env.get(name);
        if (sep < 0) {
            if (value == null) {
                throw new UnsetVariableException(name);
            }
            return value;
        }
        return value == null || value.isEmpty() ? reference.substring(sep + 2) : value;
    }
}
