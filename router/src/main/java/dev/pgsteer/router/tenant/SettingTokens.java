package dev.pgsteer.router.tenant;

import java.util.List;

/** Reading a statement's tokens the way PostgreSQL's grammar spells settings: names, their values, words in place. */
final class SettingTokens {
    private SettingTokens() {
    }

    /** The value of {@code SET name = value}, {@code TO value} or {@code SET NAMES value}: its token, or null. */
    static SqlTokens.Token value(List<SqlTokens.Token> t, int afterName) {
        int j = afterName;
        if (at(t, j, "to") || j < t.size() && t.get(j).isPunct('=')) {
            j++;
        }
        return j < t.size() ? t.get(j) : null;
    }

    /**
     * A setting name at {@code at}: {@code search_path}, {@code app.tenant_id}, {@code
     * "app"."tenant_id"}, and the other spellings of PostgreSQL's grammar: {@code SCHEMA} is
     * search_path, {@code NAMES} client_encoding, {@code SESSION AUTHORIZATION} session_authorization.
     */
    static String settingName(List<SqlTokens.Token> t, int at) {
        if (at >= t.size() || !t.get(at).isName()) {
            return null;
        }
        SqlTokens.Token first = t.get(at);
        if (first.is("schema")) {
            return "search_path";
        }
        if (first.is("names")) {
            return "client_encoding";
        }
        if (first.is("session") && at(t, at + 1, "authorization")) {
            return "session_authorization";
        }
        StringBuilder name = new StringBuilder(first.text());
        int j = at + 1;
        while (j + 1 < t.size() && t.get(j).isPunct('.') && t.get(j + 1).isName()) {
            name.append('.').append(t.get(j + 1).text());
            j += 2;
        }
        return name.toString();
    }

    /** Where the setting name at {@code at} ends. */
    static int settingNameEnd(List<SqlTokens.Token> t, int at) {
        if (at(t, at, "session") && at(t, at + 1, "authorization")) {
            return at + 2;
        }
        int j = at + 1;
        while (j + 1 < t.size() && t.get(j).isPunct('.') && t.get(j + 1).isName()) {
            j += 2;
        }
        return j;
    }

    /** Whether token {@code i} is the word {@code word} (or, for one character, that punctuation). */
    static boolean at(List<SqlTokens.Token> t, int i, String word) {
        return i < t.size() && (t.get(i).is(word) || word.length() == 1 && t.get(i).isPunct(word.charAt(0)));
    }
}
