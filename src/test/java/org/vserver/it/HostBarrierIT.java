package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vserver.testsupport.Feature;
import org.vserver.testsupport.RequiresKernel;
import org.vserver.testsupport.RequiresRoot;

/**
 * Guest root is the host's uid 0, so what it makes must not reach host users or the host's logs:
 * the mode-000 vdirbase (VServer's barrier) keeps host users out of guest trees and their setuid
 * files, start and build refuse a tree host users can reach, and a default guest cannot write
 * audit records (no CAP_AUDIT_WRITE).
 *
 * <p>Unlike {@link TestHost}'s own layout (a private 0700 temp directory, which is a barrier by
 * itself), this class puts vdirbase where every host user can walk up to it, so only vserver's
 * own barrier stands in the way.
 */
@RequiresRoot("starts real guests")
class HostBarrierIT {
    static TestHost host;
    static Path open;
    static Path vdirbase;

    @BeforeAll
    static void setUp() throws Exception {
        host = new TestHost();
        Files.setPosixFilePermissions(host.root, PosixFilePermissions.fromString("rwxr-xr-x"));
        open = Files.createDirectory(host.root.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        vdirbase = open.resolve("vservers");                              // not there yet: build makes it
        Path link = host.confdir.resolve(".defaults/vdirbase");
        Files.delete(link);
        Files.createSymbolicLink(link, vdirbase);
    }

    @AfterAll
    static void tearDown() throws Exception { if (host != null) host.close(); }

    /** {@code sh -c SCRIPT ARG} as the host's nobody, without capabilities or groups. */
    static TestHost.Result asNobody(String script, String arg) throws Exception {
        return HostProbe.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c", script, arg);
    }

    static String mode(Path p) throws Exception { return PosixFilePermissions.toString(Files.getPosixFilePermissions(p)); }

    /** The reported attack: guest root leaves a setuid copy of id in its tree, the host's nobody runs it. */
    @Test
    void aHostUserCannotRunASetuidFileGuestRootMade() throws Exception {
        String g = host.build("suid");
        assertEquals("---------", mode(vdirbase), "build makes vdirbase mode 000");
        host.start(g);
        try {
            host.sh(g, "cp /usr/bin/id /x && chmod 4755 /x && ls -ln /x");
            Path planted = vdirbase.resolve(g).resolve("x");
            // a positive control: the file is there and setuid root, so only the barrier can stop nobody
            int bits = (Integer) Files.getAttribute(planted, "unix:mode");
            assertEquals(04755, bits & 07777, "the guest's setuid copy: " + Integer.toOctalString(bits));
            assertEquals(0, (Integer) Files.getAttribute(planted, "unix:uid"));
            // As nobody: setpriv keeps its capabilities until its own execve (PR_SET_KEEPCAPS, then capng_apply), so
            // `setpriv --reuid=65534 ... PATH` would look PATH up with CAP_DAC_OVERRIDE and pass any barrier; the
            // path must be looked up by a process that already runs as nobody (the shell setpriv starts).
            var r = asNobody("exec \"$0\" -u", planted.toString());
            assertFalse(r.out().strip().equals("0"), "the host's nobody ran the guest's setuid copy with euid 0:\n" + r);
            assertTrue(r.code() == 126 && r.err().contains("Permission denied"), "EACCES on the way to it:\n" + r);
            // nor can nobody look at anything of the tree
            var ls = asNobody("exec ls \"$0\"", vdirbase.resolve(g).resolve("etc").toString());
            assertTrue(ls.code() != 0 && ls.err().contains("Permission denied"), ls.toString());
        } finally {
            host.stop(g);
        }
        host.assertNothingLeftOf(g);
    }

    @Test
    void startAndBuildRefuseAVdirbaseHostUsersCanReachNamingTheChmod() throws Exception {
        String g = host.build("opened");
        Files.setPosixFilePermissions(vdirbase, PosixFilePermissions.fromString("rwxr-xr-x"));  // an admin's chmod, or an older vserver's 0755
        try {
            var r = host.cli("vserver", g, "start");
            assertEquals(1, r.code(), "start must refuse a guest root every host user reaches:\n" + r);
            assertTrue(r.err().contains("guest root " + vdirbase.resolve(g) + " is reachable by every host user"), r.toString());
            assertTrue(r.err().contains("run `chmod 000 " + vdirbase.toRealPath() + "`"), "the chmod to run:\n" + r);
            host.assertNothingLeftOf(g);
            var b = host.cli("vserver", "opened-too", "build", "-m", "host");
            assertEquals(1, b.code(), b.toString());
            assertTrue(b.err().contains("is reachable by every host user"), b.toString());
            assertFalse(Files.exists(vdirbase.resolve("opened-too")), "nothing built");
        } finally {
            Files.setPosixFilePermissions(vdirbase, PosixFilePermissions.fromString("---------"));
        }
        var r = host.cli("vserver", g, "start");                          // closed again: it starts
        assertEquals(0, r.code(), r.toString());
        host.stop(g);
        host.assertNothingLeftOf(g);
    }

    /** With CAP_AUDIT_WRITE guest root forged an sshd login in the host's audit log. */
    @RequiresKernel(Feature.NETLINK_AUDIT)
    @Test
    void aDefaultGuestCannotWriteAuditRecordsAndBcapabilitiesThatAddItAreWarnedAbout() throws Exception {
        String g = host.build("audit");
        String w = host.build("audit-w");
        CounterProbe.install(vdirbase.resolve(g));
        CounterProbe.install(vdirbase.resolve(w));
        host.config(w, "bcapabilities", "CAP_AUDIT_WRITE\n");
        host.config(w, "userns/disabled", "");   // the control: host root's CAP_AUDIT_WRITE is what the kernel listens to
        host.start(g);
        var started = host.cli("vserver", w, "start");
        try {
            var r = host.cli("vserver", g, "exec", CounterProbe.IN_GUEST, "audit");
            var f = CounterProbe.fields("AUDIT", r.out());
            // a guest in its own user namespace: the kernel takes audit messages only from the host's
            assertEquals("ECONNREFUSED", f.get("ack"), "AUDIT_USER from a default guest must be refused:\n" + r);
            // PAM logs sessions through libaudit and takes EPERM for "no audit here": su still works
            assertEquals("65534\n", host.sh(g, "su -s /bin/sh nobody -c 'id -u'"), "su through PAM without CAP_AUDIT_WRITE");
            // the control: the same probe with the capability is heard, so the refusal above is the user namespace's doing
            assertEquals(0, started.code(), started.toString());
            assertTrue(started.err().contains("warning: " + host.confdir.resolve(w).resolve("bcapabilities") + " gives guest '" + w
                    + "' CAP_AUDIT_WRITE"), "start names the file:\n" + started);
            var c = host.cli("vserver", w, "exec", CounterProbe.IN_GUEST, "audit");
            assertEquals("ok", CounterProbe.fields("AUDIT", c.out()).get("ack"), c.toString());
        } finally {
            host.stop(g);
            host.stop(w);
        }
        host.assertNothingLeftOf(g);
        host.assertNothingLeftOf(w);
    }
}
