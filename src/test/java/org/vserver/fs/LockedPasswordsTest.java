package org.vserver.fs;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LockedPasswordsTest {

    @Test
    void everyShadowPasswordBecomesAStar() {
        assertEquals("# comment\nroot:*:19000:0:99999:7:::\nnopw:*:1::::::\ndaemon:*:19000::::::\n",
                LockedPasswords.shadow("# comment\nroot:$y$j9T$abc$def:19000:0:99999:7:::\nnopw::1::::::\n"
                        + "daemon:!:19000::::::\n"));
    }

    @Test
    void passwdKeepsXOnly() {
        assertEquals("root:x:0:0:root:/root:/bin/bash\nold:*:1:1::/:/bin/sh\nempty:*:2:2::/:/bin/sh",
                LockedPasswords.passwd("root:x:0:0:root:/root:/bin/bash\nold:ab01FAX.bQRSU:1:1::/:/bin/sh\n"
                        + "empty::2:2::/:/bin/sh"));
    }
}
