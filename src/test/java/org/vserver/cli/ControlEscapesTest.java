package org.vserver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a guest's console may send to the admin's terminal through `vserver NAME console`. */
class ControlEscapesTest {
    static String escape(byte[] in) throws Exception {
        var bytes = new ByteArrayOutputStream();
        try (var out = new ControlEscapes(bytes)) {
            out.write(in, 0, in.length);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test void textTabsNewlinesAndUtf8PassUnchanged() throws Exception {
        String s = "Starting nginx: ok\r\n\tdone – grün ✓\n";
        assertEquals(s, escape(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test void controlCharactersAreShownAsCatVShowsThem() throws Exception {
        // a title change (OSC 0 ... BEL), a colour, a backspace and DEL
        assertEquals("^[]0;pwn^G ^[[31mred^[[0m^H^?", escape("\033]0;pwn\007 \033[31mred\033[0m\b\177".getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test void c1ControlsInUtf8AreEscapedToo() throws Exception {
        // U+009B is CSI for terminals that honour C1 controls: 0xC2 0x9B in UTF-8
        assertEquals("^[[2J", escape(new byte[] {(byte) 0xc2, (byte) 0x9b, '2', 'J'}));
        assertEquals("é", escape("é".getBytes(StandardCharsets.UTF_8)), "0xC3 is no C1 prefix");
        assertEquals("\u00a0", escape(new byte[] {(byte) 0xc2, (byte) 0xa0}), "U+00A0 after 0xC2 passes");
    }
}
