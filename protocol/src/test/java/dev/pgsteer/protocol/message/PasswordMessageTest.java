package dev.pgsteer.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgsteer.protocol.ProtocolViolationException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PasswordMessageTest {

    @Test
    void aPasswordIsTheStringThatFillsThePacket() {
        assertEquals("secret", new PasswordMessage("secret\0".getBytes(StandardCharsets.UTF_8)).password());
    }

    @Test
    void aPasswordWithoutItsTerminatorIsRefused() {
        assertThrows(ProtocolViolationException.class, () -> new PasswordMessage("secret".getBytes(StandardCharsets.UTF_8)).password());
    }

    @Test
    void aPasswordThatEndsBeforeItsPacketIsRefusedAsPostgresDoes() {
        ProtocolViolationException e = assertThrows(ProtocolViolationException.class,
                () -> new PasswordMessage("sec\0ret\0".getBytes(StandardCharsets.UTF_8)).password());
        assertEquals("invalid password packet size", e.getMessage());
    }
}
