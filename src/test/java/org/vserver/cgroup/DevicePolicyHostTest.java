package org.vserver.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.sys.ProcFs;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;
import org.vserver.sys.Errno;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.LinuxSyscalls;

/**
 * The device program loaded and attached by this host's kernel: a process moved into a test cgroup
 * of the cgroup2 hierarchy opens /dev/null but not a block device node it did not get (EPERM), and
 * cannot mknod one. On a hybrid host this holds although the v1 devices controller allows it all.
 */
@RequiresKernel(Feature.CGROUP2)
class DevicePolicyHostTest {
    /** The kernel's device programs, through this JVM's syscalls. */
    final DevicePolicy bpf = DevicePolicy.bpf(new LinuxSyscalls());
    final String name = "vservers-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    @TempDir Path tmp;
    Path v2;
    Path cgroup;
    Process child;

    @BeforeEach void onlyAsRootWithACgroup2Hierarchy() throws IOException {
        Path sys = Path.of("/sys/fs/cgroup");
        v2 = Mountinfo.isMountPoint(Mountinfo.self(ProcFs.host()), sys, "cgroup2") ? sys
                : Mountinfo.isMountPoint(Mountinfo.self(ProcFs.host()), sys.resolve("unified"), "cgroup2") ? sys.resolve("unified") : null;
        cgroup = v2.resolve(name).resolve("dev");
    }

    @AfterEach void cleanUp() throws Exception {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        if (cgroup != null) {
            CgroupTree.remove(CgroupDirs.FILES, v2.resolve(name), Timeouts.DEFAULT.busy());   // detaches the program
            assertFalse(Files.exists(v2.resolve(name)), "test cgroup left behind");
        }
    }

    /** Runs {@code script} in sh after moving it into {@code into} (if any); its stdout and stderr, joined. */
    String runIn(Optional<Path> into, String script) throws Exception {
        child = new ProcessBuilder("sh", "-c", "read go; " + script).redirectErrorStream(true).start();
        if (into.isPresent()) CgroupFiles.append(into.get().resolve("cgroup.procs"), Long.toString(child.pid()));
        child.getOutputStream().write("\n".getBytes(StandardCharsets.US_ASCII));
        child.getOutputStream().close();
        assertTrue(child.waitFor(20, TimeUnit.SECONDS), "the child hangs");
        return new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test void theKernelRunsTheProgramOnOpenAndMknod() throws Exception {
        Path sda = tmp.resolve("sda");
        assertEquals(0, new ProcessBuilder("mknod", sda.toString(), "b", "8", "0").inheritIO().start().waitFor());
        String script = "cat /dev/null && echo null-ok; head -c1 /dev/zero >/dev/null && echo zero-ok; "
                + "head -c1 " + sda + " >/dev/null 2>&1 || echo sda-denied; "
                + "(exec 3<" + sda + ") 2>&1; mknod " + tmp.resolve("sdb") + " b 8 0 2>&1 || echo mknod-denied";

        // outside the cgroup: the node opens as far as the device layer (no disk 8:0 here: ENXIO, not EPERM)
        String host = runIn(Optional.empty(), script);
        assertFalse(host.contains("Operation not permitted"), host);
        Files.deleteIfExists(tmp.resolve("sdb"));

        Files.createDirectories(cgroup);
        DevicePolicy policy = bpf;
        policy.attach(cgroup);
        List<Integer> ids = policy.attached(cgroup);
        assertEquals(1, ids.size(), "one program attached: " + ids);
        assertEquals(List.of(), policy.attached(v2.resolve(name)), "not on the parent");

        String guest = runIn(Optional.of(cgroup), script);
        assertTrue(guest.contains("null-ok") && guest.contains("zero-ok"), guest);
        assertTrue(guest.contains("sda-denied"), guest);
        assertTrue(guest.lines().anyMatch(l -> l.contains(sda.toString()) && l.contains("Operation not permitted")),
                "open of the block node must fail with EPERM:\n" + guest);
        assertTrue(guest.contains("mknod-denied"), guest);
        assertFalse(Files.exists(tmp.resolve("sdb")), "mknod of 8:0 made a node");
    }

    @Test void theProgramStaysAttachedAfterItsFdsAreClosed() throws Exception {
        Files.createDirectories(cgroup);
        bpf.attach(cgroup);                 // closes the program's and the directory's fds
        System.gc();
        assertEquals(1, bpf.attached(cgroup).size());
        String out = runIn(Optional.of(cgroup), "head -c1 /dev/zero >/dev/null && echo zero-ok; cat /dev/kmsg 2>&1 | head -1");
        assertTrue(out.contains("zero-ok") && out.contains("Operation not permitted"), out);
        bpf.attach(cgroup);
        assertEquals(2, bpf.attached(cgroup).size(), "BPF_F_ALLOW_MULTI: a second attach adds one");
    }

    @Test void aVerifierRejectionIsReportedWithTheVerifiersReason() {
        // reads past struct bpf_cgroup_dev_ctx (12 bytes): the verifier refuses the context access
        byte[] bad = Insn.encode(List.of(Insn.ldxw(0, 1, 12), Insn.exit()));
        var e = org.junit.jupiter.api.Assertions.assertThrows(ErrnoException.class,
                () -> new LinuxSyscalls().bpfProgLoad(Bpf.PROG_TYPE_CGROUP_DEVICE, bad, "GPL",
                        "vserver_bad", Bpf.CGROUP_DEVICE));
        assertEquals("EACCES", Errno.name(e.errno()), e.getMessage());
        assertTrue(e.getMessage().startsWith("bpf(`BPF_PROG_LOAD vserver_bad`) failed: Permission denied; the verifier says: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("invalid bpf_context access off=12"), e.getMessage());
        cgroup = null;                                       // nothing was made
    }
}
