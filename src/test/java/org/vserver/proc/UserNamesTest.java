package org.vserver.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserNamesTest {
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
