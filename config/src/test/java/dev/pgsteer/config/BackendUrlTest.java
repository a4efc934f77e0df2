package dev.pgsteer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackendUrlTest {

    @Test
    void readsEveryPart() {
        assertEquals(new BackendUrl("127.0.0.1", 5433, "demo", "secret", "demo"),
                BackendUrl.parse("postgresql://demo:secret@127.0.0.1:5433/demo"));
    }

    @Test
    void postgresSchemeAndDefaultsWork() {
        assertEquals(new BackendUrl("db", 5432, "app", null, null), BackendUrl.parse("postgres://app@db"));
        assertEquals(new BackendUrl("db", 5432, null, null, null), BackendUrl.parse("postgresql://db/"));
        assertEquals(new BackendUrl("::1", 6000, "u", "p", "d"), BackendUrl.parse("postgresql://u:p@[::1]:6000/d"));
    }

    @Test
    void userPasswordAndDatabaseArePercentDecodedButPlusStaysPlus() {
        BackendUrl url = BackendUrl.parse("postgresql://us%40er:p%3Aa+%C3%A9ss@h/my%20db");
        assertEquals("us@er", url.user());
        assertEquals("p:a+éss", url.password());
        assertEquals("my db", url.database());
    }

    @Test
    void theLastAtSignEndsTheUserInfo() {
        assertEquals("p@ss/word", BackendUrl.parse("postgresql://u:p@ss/word@host/db").password());
    }

    @Test
    void toStringNeverShowsThePassword() {
        BackendUrl url = BackendUrl.parse("postgresql://demo:secret@[::1]:5433/demo");
        assertEquals("postgresql://demo@[::1]:5433/demo", url.toString());
        assertEquals("postgresql://h:5432", BackendUrl.parse("postgresql://h").toString());
    }

    @Test
    void sslmodeAndSslrootcertComeFromTheQuery() {
        BackendUrl url = BackendUrl.parse("postgresql://u:pw@db.example.com/app?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.crt");
        assertEquals(new BackendUrl("db.example.com", 5432, "u", "pw", "app", SslMode.VERIFY_FULL, "/etc/ca.crt"), url);
        assertEquals("postgresql://u@db.example.com:5432/app?sslmode=verify-full&sslrootcert=/etc/ca.crt", url.toString());
        assertEquals(SslMode.REQUIRE, BackendUrl.parse("postgresql://u@h?sslmode=require").sslMode());
        assertEquals(null, BackendUrl.parse("postgresql://u@h/db").sslMode());
        assertEquals(url, url.withCredentials("u", "pw"), "new credentials keep the TLS settings");
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                                     | the URL is empty
            localhost:5432/db                      | it does not start with postgresql://
            jdbc:postgresql://u:pw@h/db            | the scheme 'jdbc:postgresql' is not postgresql:// or postgres://
            postgresql://u:pw@h:port/db            | the port 'port' is not a number
            postgresql://u:pw@h:0/db               | the port 0 is outside 1..65535
            postgresql://u:pw@/db                  | the host is missing
            postgresql://u:pw@h/db?password=pw     | the query parameter 'password' is not supported; pgsteer takes sslmode and sslrootcert from a URL
            postgresql://u:pw@h/db?sslmode=on      | 'on' is not an sslmode; valid ones are disable, prefer, require, verify-ca, verify-full
            postgresql://u:pw@h/db?sslmode=require&sslmode=disable | sslmode is given twice
            postgresql://u:pw@h1,h2/db             | several hosts in one URL are not supported; define one backend per host
            postgresql://u:pw%zz@h/db              | the password has a '%' that is not followed by two hex digits
            postgresql://u:pw@h/a/b                | the database name must not contain '/'
            """)
    void explainsWhatIsWrongWithoutThePassword(String url, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackendUrl.parse(url));
        assertEquals(message, e.getMessage());
        assertFalse(e.getMessage().contains("pw"));
    }
}
