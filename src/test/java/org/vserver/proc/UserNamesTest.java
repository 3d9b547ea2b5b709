package org.vserver.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserNamesTest {
    @Test void groupFilesAndTextWork() {
        UserNames g = UserNames.parse("root:x:0:\ntty:x:5:alice,bob\nbroken\n");
        assertEquals("tty", g.of(5));
        assertEquals("4294967294", g.of(4294967294L));
        assertEquals("7", UserNames.NONE.of(7));
    }

    @Test void firstEntryWinsAndUnknownIsTheNumber(@TempDir Path dir) throws IOException {
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, "root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\n+::::::\n"
                + "www-data:x:33:33:www:/var/www:/usr/sbin/nologin\n");
        UserNames n = UserNames.read(passwd);
        assertEquals("root", n.of(0));
        assertEquals("www-data", n.of(33));
        assertEquals("1000", n.of(1000));
        assertEquals("0", UserNames.read(dir.resolve("none")).of(0));
    }
}
