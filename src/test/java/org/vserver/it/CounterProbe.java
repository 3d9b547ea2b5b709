package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * src/test/c/uid-counters.c, built static once (like {@link EscapeProbe}) and copied into guests:
 * the shared uid-0 counters held and checked, a fork bomb, an AUDIT_USER record. Each run prints one
 * line of {@code name=value} pairs, which {@link #fields} reads.
 */
final class CounterProbe {
    static final Path SOURCE = TestHost.BASEDIR.resolve("src/test/c/uid-counters.c");
    static final Path BINARY = TestHost.BASEDIR.resolve("target/uid-counters");
    static final String IN_GUEST = "/uid-counters";

    private CounterProbe() {}

    static synchronized Path build() throws Exception {
        if (Files.exists(BINARY) && Files.getLastModifiedTime(BINARY).compareTo(Files.getLastModifiedTime(SOURCE)) > 0) return BINARY;
        EscapeProbe.build();                      // installs glibc's static libc when it is missing
        Path tmp = BINARY.resolveSibling("uid-counters.tmp");
        TestHost.Result r = HostProbe.run("gcc", "-static", "-O2", "-Wall", "-o", tmp.toString(), SOURCE.toString(), "-lrt");
        if (r.code() != 0) fail("gcc -static could not build " + SOURCE + ":\n" + r);
        Files.move(tmp, BINARY, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return BINARY;
    }

    static void install(TestHost host, String guest) throws Exception { install(host.guestsDir.resolve(guest)); }

    /** Copies the probe into the guest root {@code vdir}. */
    static void install(Path vdir) throws Exception {
        Path dst = vdir.resolve(IN_GUEST.substring(1));
        Files.copy(build(), dst, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(dst.toFile().setExecutable(true, false), "chmod +x " + dst);
    }

    /** The {@code name=value} pairs of the line starting with {@code tag} in {@code out}. */
    static Map<String, String> fields(String tag, String out) {
        for (String l : out.lines().toList())
            if (l.startsWith(tag + " ")) {
                Map<String, String> m = new LinkedHashMap<>();
                for (String f : l.substring(tag.length() + 1).split(" ")) {
                    int eq = f.indexOf('=');
                    if (eq > 0) m.put(f.substring(0, eq), f.substring(eq + 1));
                }
                return m;
            }
        throw new AssertionError("no " + tag + " line in:\n" + out);
    }
}
