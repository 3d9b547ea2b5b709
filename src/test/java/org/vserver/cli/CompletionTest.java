package org.vserver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated completion, run by bash as a completion would: guests, commands, each command's options. */
class CompletionTest {
    @TempDir
    Path dir;

    String complete(String... words) throws Exception {
        Path script = dir.resolve("completion.bash");
        Files.writeString(script, Completion.bash());
        Files.createDirectories(dir.resolve("etc/web"));
        Files.createDirectories(dir.resolve("etc/db"));
        Files.createDirectories(dir.resolve("etc/.defaults"));
        var b = new StringBuilder("source '" + script + "' 2>/dev/null; export VSERVER_CONFDIR='" + dir.resolve("etc") + "'; COMP_WORDS=(");
        for (String w : words) b.append('\'').append(w).append("' ");
        b.append("); COMP_CWORD=").append(words.length - 1).append("; COMPREPLY=(); ")
                .append(words[0].equals("vserver") ? "_complete_vserver_guest" : "_complete_" + words[0])
                .append(" 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\" | sort | tr '\\n' ' '");
        Process p = new ProcessBuilder("bash", "-c", b.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void vserverCompletesGuestsThenCommandsThenTheirOptions() throws Exception {
        assertEquals("--confdir --help db debug web", complete("vserver", ""));
        assertEquals(String.join(" ", java.util.Arrays.stream(GuestCommand.COMMANDS.split(" ")).sorted().toList()),
                complete("vserver", "web", ""));
        assertEquals("log", complete("vserver", "web", "lo"));
        assertEquals("--follow --lines", complete("vserver", "web", "log", "--"));
        assertTrue(complete("vserver", "web", "build", "--").contains("--initstyle"));
        assertEquals("db debug", complete("vserver", "--confdir", dir.resolve("etc").toString(), "d"));
    }

    @Test
    void everyToolHasItsFunction() throws Exception {
        for (String tool : Main.TOOLS) assertTrue(complete(tool, "--").contains("--help"), tool);
    }
}
