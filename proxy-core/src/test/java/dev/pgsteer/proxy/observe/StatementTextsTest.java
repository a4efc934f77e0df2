package dev.pgsteer.proxy.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Which text a slow request is logged with: a Query's, a batch's first Parse, in the order answers come. */
class StatementTextsTest {
    private final SlowStatementLog slow = new SlowStatementLog(Duration.ofMillis(100));
    private final StatementTexts texts = new StatementTexts(slow, "c7 app@db");
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private Logger logger;

    @BeforeEach
    void capture() {
        logger = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("dev.pgsteer.slow");
        captured.start();
        logger.addAppender(captured);
    }

    @AfterEach
    void release() {
        logger.detachAppender(captured);
    }

    private static Frame frame(char type, String... cstrings) {
        ByteBuf body = Unpooled.buffer();
        for (String s : cstrings) {
            body.writeBytes(s.getBytes(StandardCharsets.UTF_8)).writeByte(0);
        }
        ByteBuf whole = Unpooled.buffer().writeByte(type).writeInt(4 + body.readableBytes()).writeBytes(body);
        body.release();
        return new Frame(whole);
    }

    private void send(Frame frame) {
        try {
            texts.frame(frame);
        } finally {
            frame.release();
        }
    }

    private List<String> lines() {
        return captured.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void pipelinedRequestsAreMatchedToTheirAnswersInOrder() {
        send(frame('Q', "SELECT pg_sleep(1)"));
        send(frame('P', "", "SELECT $1::int AS first"));
        send(frame('B', "", ""));
        send(frame('P', "s2", "SELECT 2 AS second"));
        send(frame('S'));
        send(frame('P', "", "SELECT 3 AS fast"));
        send(frame('S'));
        texts.answered(ms(150));
        texts.answered(ms(200));
        texts.answered(ms(5));
        assertEquals(List.of("c7 app@db: slow statement: 150 ms (over 100 ms): SELECT pg_sleep(1)",
                "c7 app@db: slow statement: 200 ms (over 100 ms): SELECT $1::int AS first"), lines());
    }

    @Test
    void aBatchWithoutParseAndAFunctionCallHaveNoTextButAreStillLogged() {
        send(frame('B', "", "s1"));
        send(frame('S'));
        send(frame('F'));
        texts.answered(ms(300));
        texts.answered(ms(300));
        assertEquals(2, lines().size());
        assertTrue(lines().stream().allMatch(l -> l.endsWith("(text not seen)")), lines().toString());
    }

    @Test
    void longTextIsCutAndWhiteSpaceFolded() {
        send(frame('Q', "SELECT\n\t" + "x, ".repeat(200) + "1"));
        texts.answered(ms(101));
        String line = lines().getFirst();
        assertTrue(line.endsWith("..."), line);
        String text = line.substring(line.indexOf("): ") + 3);
        assertEquals(SlowStatementLog.MAX_TEXT + 3, text.length(), text);
        assertTrue(text.startsWith("SELECT x, x, "), text);
    }

    @Test
    void aThresholdTurnedOnMidwayKeepsRequestsAndAnswersInStep() {
        slow.threshold(null);
        send(frame('Q', "SELECT pg_sleep(1)"));
        slow.threshold(Duration.ofMillis(100));
        send(frame('Q', "SELECT pg_sleep(2)"));
        texts.answered(ms(1000));
        texts.answered(ms(2000));
        // Sent while the log was off: its text was not kept, but it was slow.
        assertEquals(List.of("c7 app@db: slow statement: 1000 ms (over 100 ms): (text not seen)",
                "c7 app@db: slow statement: 2000 ms (over 100 ms): SELECT pg_sleep(2)"), lines());
        for (int i = 0; i < 20; i++) {
            send(frame('Q', "SELECT " + i));
        }
        for (int i = 0; i < 20; i++) {
            texts.answered(ms(i == 19 ? 500 : 1));
        }
        assertEquals("c7 app@db: slow statement: 500 ms (over 100 ms): SELECT 19", lines().getLast());
    }
}
