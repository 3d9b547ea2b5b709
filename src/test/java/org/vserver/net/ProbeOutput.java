package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What a python probe of the host tests printed: its {@code key=value} lines, once it exited 0 within a minute. */
final class ProbeOutput {
    private ProbeOutput() {}

    static Map<String, String> results(Process p) throws Exception {
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe hangs");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "the probe failed:\n" + out);
        Map<String, String> results = new LinkedHashMap<>();
        for (String line : out.lines().toList()) {
            int eq = line.indexOf('=');
            if (eq > 0) results.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return results;
    }

    /** A python string literal of {@code s}. */
    static String py(String s) { return "'" + s + "'"; }
}
