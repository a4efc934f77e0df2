package dev.pgsteer.protocol.message.backend;

import static dev.pgsteer.protocol.message.Fixtures.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBufAllocator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EmptyBackendMessageTest {

    static Stream<Arguments> messages() {
        return Stream.of(
                Arguments.of(ParseComplete.INSTANCE, "1\0\0\0\4"),
                Arguments.of(BindComplete.INSTANCE, "2\0\0\0\4"),
                Arguments.of(CloseComplete.INSTANCE, "3\0\0\0\4"),
                Arguments.of(NoData.INSTANCE, "n\0\0\0\4"),
                Arguments.of(EmptyQueryResponse.INSTANCE, "I\0\0\0\4"),
                Arguments.of(PortalSuspended.INSTANCE, "s\0\0\0\4"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void eachIsItsTypeAndALengthOfFour(EmptyBackendMessage message, String expected) {
        assertEquals(expected, bytes(message.encode(ByteBufAllocator.DEFAULT)));
    }
}
