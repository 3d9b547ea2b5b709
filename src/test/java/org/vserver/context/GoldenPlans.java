package org.vserver.context;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vserver.plan.Plan;
import org.vserver.plan.PlanText;
import org.vserver.plan.PlanWriter;

/** Golden plans under src/test/resources/plans: their text and wire bytes, and the launcher's reading of those bytes. */
public final class GoldenPlans {
    private GoldenPlans() {}

    static final Path DIR = Path.of(System.getProperty("vserver.basedir", "."), "src/test/resources/plans");

    /**
     * Pins the text and the wire bytes of a plan, and checks that the launcher decodes those bytes
     * to the same text: both sides of the boundary agree on every byte.
     */
    public static void assertGolden(String name, Plan plan) throws Exception {
        String text = PlanText.render(plan);
        byte[] wire = PlanWriter.write(plan);
        Path f = DIR.resolve(name + ".txt"), bin = DIR.resolve(name + ".bin");
        if (Boolean.getBoolean("vserver.golden.update")) {
            Files.createDirectories(DIR);
            Files.writeString(f, text);
            Files.write(bin, wire);
        }
        // a missing file is a failure, never a fresh golden: a test must not bless its own output
        for (Path p : List.of(f, bin))
            assertTrue(Files.exists(p), "golden file " + p + " is missing; to (re)create it, rerun with -Dvserver.golden.update=true and review the diff");
        assertEquals(Files.readString(f), text, "plan " + name + " changed; if intended, rerun with -Dvserver.golden.update=true");
        assertArrayEquals(Files.readAllBytes(bin), wire, "wire bytes of plan " + name + " changed");
        Path launcher = Path.of(System.getProperty("vserver.launcher", "target/launcher/vserver-launcher"));
        Process p = new ProcessBuilder(launcher.toString(), "--dry-run", bin.toString()).redirectErrorStream(true).start();
        String decoded = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), decoded);
        assertEquals(text, decoded, "the launcher decodes " + name + ".bin differently");
    }
}
