package org.vserver.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.kernel.Capability;
import org.vserver.plan.Plan;
import org.vserver.plan.Step;
import org.vserver.proc.ProcStatus;
import org.vserver.sys.ProcFs;

/**
 * The launcher's DETAIL record reaches the exception: a step that fails for real names the exact
 * call the launcher made, not a guess from the op. Runs the real launcher; needs root (capabilities).
 */
class LauncherDetailTest {
    static final List<String> ENV = List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C");

    @TempDir Path dir;

    @BeforeAll
    static void needRoot() throws IOException {
        boolean root = Files.readAllLines(Path.of("/proc/self/status")).stream().anyMatch(l -> l.matches("Uid:\\s+0\\s.*"));
        assumeTrue(root, "LauncherDetailTest needs root (capabilities): skipped");
    }

    StepFailedException failure(Plan plan) {
        String bin = System.getProperty("vserver.launcher");
        assertTrue(bin != null && Files.isExecutable(Path.of(bin)), "vserver.launcher not built: " + bin);
        Path log = dir.resolve("launcher.log");
        return assertThrows(StepFailedException.class, () -> new Launcher(Path.of(bin), null)
                .run(plan, new Launcher.Stdio.OutputFile(log), new Launcher.Host() {}));
    }

    /**
     * The acceptance of issue 12's item 3, with a real refusal and no test hook in the launcher: the
     * first SET_CAPS keeps the bounding set but takes CAP_SETPCAP out of the effective set, so the
     * second one's PR_CAPBSET_DROP fails with EPERM. Before, the message said `capset()`.
     */
    @Test
    void aBoundingSetDropThatFailsIsNamedExactly() throws IOException {
        // what this process has (a host may run us without some, e.g. CAP_SYS_RESOURCE): capset takes no more
        Set<Capability> all = ProcStatus.boundingSet(ProcFs.host().self()), noSetpcap = EnumSet.copyOf(all);
        assumeTrue(all.containsAll(EnumSet.of(Capability.SETPCAP, Capability.CHOWN, Capability.DAC_OVERRIDE, Capability.KILL)),
                "this test's process has no CAP_SETPCAP, CAP_CHOWN, CAP_DAC_OVERRIDE or CAP_KILL: " + all);
        noSetpcap.remove(Capability.SETPCAP);
        Set<Capability> few = EnumSet.of(Capability.CHOWN, Capability.KILL);
        StepFailedException e = failure(Plan.builder()
                .add(new Step.SetCaps(all, noSetpcap, noSetpcap, Set.of(), Set.of()))
                .add(new Step.SetCaps(few, few, few, Set.of(), Set.of()))
                .add(new Step.Exec("/bin/true", List.of("true"), ENV)).build());
        assertEquals(1, e.step());
        assertEquals(1 /* EPERM */, e.errno());
        // CHOWN (0) stays; DAC_OVERRIDE (1) is the first the launcher drops
        assertEquals("prctl(PR_CAPBSET_DROP, 1)", e.call());
        assertTrue(e.getMessage().startsWith("prctl(PR_CAPBSET_DROP, 1) failed: Operation not permitted (EPERM): vserver runs"
                + " with fewer capabilities"), e.getMessage());
        assertTrue(e.getMessage().contains("(step 1/3: 1 SET_CAPS "), e.getMessage());
        assertFalse(e.getMessage().contains("capset"), e.getMessage());
    }

    @Test
    void aPathIsNamedAsTheLauncherTriedIt() {
        Path missing = dir.resolve("no-such-dir");
        StepFailedException e = failure(Plan.builder().add(new Step.Chdir(missing.toString()))
                .add(new Step.Exec("/bin/true", List.of("true"), ENV)).build());
        assertEquals("chdir(`" + missing + "`) failed: No such file or directory (ENOENT) (step 0/2: 0 CHDIR \"" + missing + "\")",
                e.getMessage());
    }

    @Test
    void controlCharactersOfAPathReachTheTerminalVisibly() {
        Path odd = dir.resolve("x\u001b]0;owned\u0007\u009b");
        StepFailedException e = failure(Plan.builder().add(new Step.Chdir(odd.toString()))
                .add(new Step.Exec("/bin/true", List.of("true"), ENV)).build());
        assertEquals("chdir(`" + dir + "/x\\x1b]0;owned\\x07\\x9b`)", e.call());
        assertFalse(e.getMessage().chars().anyMatch(c -> c < 0x20 || (c >= 0x7f && c < 0xa0)), e.getMessage());
    }

    @Test
    void aPlanWithoutExecIsRefusedWithTheLaunchersReason() {
        StepFailedException e = failure(Plan.builder().add(new Step.Chdir("/")).build());
        assertTrue(e.getMessage().startsWith("the launcher refused the plan: execve(): the plan has no EXEC failed: Exec format"
                + " error (ENOEXEC)"), e.getMessage());
    }
}
