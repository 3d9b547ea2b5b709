package org.vserver.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The checked-in tables against the kernel headers of the build host, when they are installed. */
class SyscallTableTest {
    static final Path ASM = Path.of("/usr/include/x86_64-linux-gnu/asm");

    @Test
    void tablesMatchTheHeaders() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(ASM), "no kernel headers on this host");
        check(Arch.X86_64, "unistd_64.h");
        check(Arch.X32, "unistd_x32.h");
        check(Arch.I386, "unistd_32.h");
    }

    private static void check(Arch arch, String header) throws Exception {
        Map<String, Integer> h = new TreeMap<>();
        var m = Pattern.compile("#define __NR_(\\w+) (?:\\(__X32_SYSCALL_BIT \\+ )?(\\d+)\\)?\\s*$", Pattern.MULTILINE)
                .matcher(Files.readString(ASM.resolve(header)));
        while (m.find()) h.put(m.group(1), Integer.parseInt(m.group(2)));
        assertEquals(h, SyscallTable.of(arch).numbers(), arch + " table differs from " + header + ": regenerate it");
    }

    @Test
    void wellKnownNumbers() {
        assertEquals(39, SyscallTable.of(Arch.X86_64).numbers().get("getpid"));
        assertEquals(20, SyscallTable.of(Arch.I386).numbers().get("getpid"));
        assertEquals(39, SyscallTable.of(Arch.X32).numbers().get("getpid"));
        assertEquals(102, SyscallTable.of(Arch.I386).numbers().get("socketcall"));
        assertTrue(SyscallTable.known("keyctl"));
        assertTrue(!SyscallTable.known("keyctl2"));
    }
}
