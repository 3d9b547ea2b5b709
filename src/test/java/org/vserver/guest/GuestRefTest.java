package org.vserver.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.ConfigRoot;
import org.vserver.config.ConfigWriter;
import org.vserver.proc.ProcStat;
import org.vserver.state.RunState;
import org.vserver.state.StateDir;
import org.vserver.sys.ProcFs;

/**
 * The one resolver of the host tools' guest argument: a name, a context number (of a running
 * guest, or in a stopped guest's context file), a pid; and what an unknown one says. "Running"
 * is decided on the real /proc: a running guest's init is this JVM, a stale one's is this JVM's
 * pid with another start time.
 */
class GuestRefTest {
    static final String PARENT = "vservers-test";

    @TempDir Path tmp;
    Guests guests;
    ConfigRoot root;
    StateDir state;
    int me;
    long myStart;

    @BeforeEach
    void host() throws Exception {
        root = new ConfigRoot(tmp.resolve("etc"));
        Path base = Files.createDirectories(tmp.resolve("guests"));
        Files.createDirectories(root.defaultsDir());
        Files.createSymbolicLink(root.defaultsDir().resolve("vdirbase"), base);
        guest("web", OptionalInt.empty());            // dynamic: its number exists only while it runs
        guest("db", OptionalInt.of(40002));
        guest("mail", OptionalInt.of(40003));
        state = new StateDir(tmp.resolve("run"));
        var quiet = new PrintStream(new ByteArrayOutputStream(), true);
        guests = new Guests(new Vserver(root, state, PARENT, null, new RecordingSyscalls(), ProcFs.host(), null, Map.of(), quiet, quiet));
        me = (int) ProcessHandle.current().pid();
        myStart = ProcStat.read(Path.of("/proc"), me).orElseThrow().startTicks();
    }

    private void guest(String name, OptionalInt context) throws Exception {
        Path vdir = Files.createDirectories(tmp.resolve("guests").resolve(name));
        ConfigWriter.create(root, new ConfigWriter.NewGuest(name, context, name, "plain", List.of(), List.of(), vdir));
    }

    private RunState run(String name, int xid, long startTicks) throws Exception {
        state.create(name);
        var st = new RunState(name, xid, me, startTicks, 0, PARENT);
        st.write(state.stateFile(name));
        return st;
    }

    @Test
    void aRunningGuestByNameOrContextNumber() throws Exception {
        RunState st = run("web", 49152, myStart);
        assertEquals(Optional.of(new GuestRef("web", Optional.of(st))), GuestRef.find(guests, "web"));
        assertEquals(Optional.of(new GuestRef("web", Optional.of(st))), GuestRef.find(guests, "49152"));
        assertEquals(st, GuestRef.requireRunning(guests, "49152"));
        assertEquals("web", GuestRef.holder(guests, 49152).orElseThrow().name());
        assertEquals(Optional.empty(), GuestRef.holder(guests, 49153));
    }

    @Test
    void aStoppedGuestByNameOrByTheNumberInItsContextFile() throws Exception {
        assertEquals(Optional.of(new GuestRef("db", Optional.empty())), GuestRef.find(guests, "db"));
        assertEquals(Optional.of(new GuestRef("db", Optional.empty())), GuestRef.find(guests, "40002"));
        assertEquals(Optional.of(new GuestRef("mail", Optional.empty())), GuestRef.find(guests, "40003"));
        var e = assertThrows(GuestNotRunningException.class, () -> GuestRef.requireRunning(guests, "40002"));
        assertTrue(e.getMessage().startsWith("guest 'db' is not running"), e.getMessage());
        assertEquals(Optional.empty(), GuestRef.holder(guests, 40002), "a stopped guest holds no context");
    }

    @Test
    void aStaleRunStateIsAStoppedGuest() throws Exception {
        run("db", 40002, myStart + 1);                    // its init's pid now names another process
        assertEquals(Optional.of(new GuestRef("db", Optional.empty())), GuestRef.find(guests, "40002"));
        assertThrows(GuestNotRunningException.class, () -> GuestRef.requireRunning(guests, "db"));
    }

    @Test
    void aBrokenContextFileHoldsNoNumber() throws Exception {
        Files.writeString(root.guestDir("mail").resolve("context"), "forty\n");
        assertEquals(Optional.empty(), GuestRef.find(guests, "40003"));
        assertEquals("db", GuestRef.find(guests, "40002").orElseThrow().name(), "the others are still found");
    }

    @Test
    void aThrowAwayContextByItsNumber() throws Exception {
        RunState st = run(ThrowAwayContext.name(4711), 4711, myStart);
        assertEquals(Optional.of(new GuestRef("ctx-4711", Optional.of(st))), GuestRef.find(guests, "4711"));
    }

    @Test
    void anUnknownGuestNamesWhatWasLookedForAndWhere() throws Exception {
        for (String arg : List.of("nosuch", "40009", "0", "65536", "../etc", "")) assertEquals(Optional.empty(), GuestRef.find(guests, arg), arg);
        var e = assertThrows(IOException.class, () -> GuestRef.requireRunning(guests, "nosuch"));
        assertTrue(!(e instanceof GuestNotRunningException), "unknown is not 'stopped': exit 1, not 3");
        assertEquals("no guest 'nosuch': neither a guest in " + root.confdir() + " nor the context number of one", e.getMessage());
    }

    @Test
    void aPidStandsForTheGuestItRunsIn(@TempDir Path proc) throws Exception {
        RunState st = run("web", 49152, myStart);
        Files.createDirectories(proc.resolve("700"));
        Files.writeString(proc.resolve("700/cgroup"), "0::/" + PARENT + "/web/payload\n");
        Files.createDirectories(proc.resolve("701"));
        Files.writeString(proc.resolve("701/cgroup"), "0::/" + PARENT + "/db\n");
        Files.createDirectories(proc.resolve("702"));
        Files.writeString(proc.resolve("702/cgroup"), "0::/user.slice/session-1.scope\n");
        assertEquals(Optional.of(new GuestRef("web", Optional.of(st))), GuestRef.ofPid(guests, proc, 700));
        assertEquals(Optional.of(new GuestRef("db", Optional.empty())), GuestRef.ofPid(guests, proc, 701), "a stale cgroup");
        assertEquals(Optional.empty(), GuestRef.ofPid(guests, proc, 702), "a host process");
        assertEquals(Optional.empty(), GuestRef.ofPid(guests, proc, 703), "gone");
    }
}
