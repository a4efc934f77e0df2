package dev.pgsteer.proxy.it;

/** Where two outputs part, for assertion messages that point at the line rather than dump two pages. */
final class Differences {
    private Differences() {
    }

    static String firstDifference(String direct, String proxied) {
        String[] a = direct.split("\n", -1);
        String[] b = proxied.split("\n", -1);
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            if (!a[i].equals(b[i])) {
                return "first difference at line " + (i + 1) + ":\n  direct: " + a[i] + "\n  proxy:  " + b[i];
            }
        }
        if (a.length != b.length) {
            return "the outputs agree for " + n + " lines, then the " + (a.length > b.length ? "direct" : "proxy")
                    + " one goes on: " + (a.length > b.length ? a[n] : b[n]);
        }
        return "no difference";
    }
}
