package org.vserver.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class UsageTest {
    @Test void statusLine() {
        assertEquals("812 MiB of 1 GiB, 12034 of 65536 inodes", new Usage(812 * 1024, 1024 * 1024, 12034, 65536).format());
        assertEquals("1.5 GiB of 10 GiB", new Usage(1536 * 1024, 10L << 20, 0, 0).format());
        assertEquals("0 KiB, 11 inodes", new Usage(0, 0, 11, 0).format());
    }

    @Test void sizes() {
        assertEquals("0 KiB", Usage.size(0));
        assertEquals("1023 KiB", Usage.size(1023));
        assertEquals("1 MiB", Usage.size(1024));
        assertEquals("1.1 MiB", Usage.size(1126));
        assertEquals("12 MiB", Usage.size(12 * 1024 + 300));
        assertEquals("2 TiB", Usage.size(2L << 30));
    }
}
