package org.vserver.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vserver.bpf.Insn;
import org.vserver.bpf.Interpreter;

/** The compiled device policy run by a small eBPF interpreter over (type, major, minor, access) tuples. */
class DeviceProgramTest {
    static final int BLOCK = 1, CHAR = 2;
    static final int MKNOD = 1, READ = 2, WRITE = 4;
    static final List<Insn> PROGRAM = DeviceProgram.of(DeviceRules.ALLOW);

    /** struct bpf_cgroup_dev_ctx as the kernel fills it. */
    static byte[] ctx(int type, int major, int minor, int access) {
        return ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(access << 16 | type).putInt(major).putInt(minor).array();
    }

    static boolean allowed(List<Insn> program, int type, int major, int minor, int access) {
        long r = Interpreter.run(program, ctx(type, major, minor, access));
        if (r != 0 && r != 1) throw new AssertionError("the program returned " + r);
        return r == 1;
    }

    static boolean allowed(int type, int major, int minor, int access) {
        return allowed(PROGRAM, type, major, minor, access);
    }

    /** What the rules say, decided independently of the program: the v1 controller's matching. */
    static boolean expected(List<DeviceRules.Rule> rules, int type, int major, int minor, int access) {
        for (DeviceRules.Rule r : rules) {
            if ((r.type() == 'c' ? CHAR : BLOCK) != type) continue;
            if (r.major() != DeviceRules.ANY && r.major() != major) continue;
            if (r.minor() != DeviceRules.ANY && r.minor() != minor) continue;
            int bits = (r.access().contains("r") ? READ : 0) | (r.access().contains("w") ? WRITE : 0)
                    | (r.access().contains("m") ? MKNOD : 0);
            if ((access & ~bits) == 0) return true;
        }
        return false;
    }

    @Test void everyNodeOfTheGuestsDevIsAllowedForEveryAccess() {
        for (DeviceRules.Rule r : DeviceRules.ALLOW) {
            int minor = r.minor() == DeviceRules.ANY ? 7 : r.minor();
            for (int access = 1; access <= 7; access++)
                assertEquals(true, allowed(CHAR, r.major(), minor, access), r.device() + " access " + access);
        }
        assertEquals(true, allowed(CHAR, 136, 0, READ | WRITE), "/dev/pts/0");
        assertEquals(true, allowed(CHAR, 136, (1 << 20) - 1, READ | WRITE), "the highest pts minor");
    }

    @Test void theHostsSensitiveDevicesAreDenied() {
        for (int access = 1; access <= 7; access++) {
            assertEquals(false, allowed(BLOCK, 8, 0, access), "/dev/sda access " + access);
            assertEquals(false, allowed(BLOCK, 259, 0, access), "/dev/nvme0n1 access " + access);
            assertEquals(false, allowed(CHAR, 1, 1, access), "/dev/mem access " + access);
            assertEquals(false, allowed(CHAR, 1, 2, access), "/dev/kmem access " + access);
            assertEquals(false, allowed(CHAR, 1, 4, access), "/dev/port access " + access);
            assertEquals(false, allowed(CHAR, 1, 11, access), "/dev/kmsg access " + access);
            assertEquals(false, allowed(CHAR, 10, 229, access), "/dev/fuse access " + access);
            assertEquals(false, allowed(CHAR, 10, 200, access), "/dev/net/tun access " + access);
            assertEquals(false, allowed(CHAR, 4, 1, access), "/dev/tty1 access " + access);
            assertEquals(false, allowed(CHAR, 5, 3, access), "5:3 access " + access);
        }
        assertEquals(false, allowed(BLOCK, 1, 3, READ), "a block device with /dev/null's numbers");
        assertEquals(false, allowed(BLOCK, 136, 0, READ), "a block device with a pts major");
    }

    @Test void theProgramAgreesWithTheRulesOnEveryTuple() {
        int checked = 0;
        for (int type : new int[] {BLOCK, CHAR, 0, 3})
            for (int major = 0; major <= 260; major++)
                for (int minor : new int[] {0, 1, 2, 3, 5, 7, 8, 9, 11, 200, 229, 4095, 1 << 19})
                    for (int access = 1; access <= 7; access++) {
                        assertEquals(expected(DeviceRules.ALLOW, type, major, minor, access), allowed(type, major, minor, access),
                                "type " + type + " " + major + ":" + minor + " access " + access);
                        checked++;
                    }
        assertEquals(4 * 261 * 13 * 7, checked);
    }

    @Test void accessBeyondTheRuleIsDeniedAndWildcardsMatchAnyNumber() {
        var rules = List.of(new DeviceRules.Rule('c', 1, 3, "r", "read-only null"),
                new DeviceRules.Rule('b', DeviceRules.ANY, DeviceRules.ANY, "m", "mknod any block device"),
                new DeviceRules.Rule('c', 1, 3, "w", "a second rule for the same node"));
        var p = DeviceProgram.of(rules);
        assertEquals(true, allowed(p, CHAR, 1, 3, READ));
        assertEquals(true, allowed(p, CHAR, 1, 3, WRITE), "the second rule");
        assertEquals(false, allowed(p, CHAR, 1, 3, READ | WRITE), "no single rule grants both, as in v1");
        assertEquals(false, allowed(p, CHAR, 1, 3, MKNOD));
        assertEquals(true, allowed(p, BLOCK, 8, 0, MKNOD));
        assertEquals(true, allowed(p, BLOCK, 259, 12, MKNOD));
        assertEquals(false, allowed(p, BLOCK, 8, 0, READ), "created, but cannot be opened");
        assertEquals(false, allowed(p, CHAR, 1, 3, READ | 8), "an access bit the kernel may add later");
        for (int t : new int[] {BLOCK, CHAR})
            for (int a = 1; a <= 7; a++)
                for (int major : new int[] {1, 8})
                    assertEquals(expected(rules, t, major, 3, a), allowed(p, t, major, 3, a), t + " " + major + ":3 " + a);
    }

    @Test void anEmptyListDeniesEverything() {
        var p = DeviceProgram.of(List.of());
        assertEquals(6 + 2, p.size(), "mov r0, 0; exit after the loads");
        assertEquals(false, allowed(p, CHAR, 1, 3, READ));
    }

    @Test void theProgramIsSmallAndEndsInDeny() {
        // 6 loads, then per rule: type, major, minor (unless *), access, mov, exit; then mov 0, exit
        int perRule = DeviceRules.ALLOW.stream().mapToInt(r -> r.minor() == DeviceRules.ANY ? 5 : 6).sum();
        assertEquals(6 + perRule + 2, PROGRAM.size());
        assertEquals(Insn.mov(0, 0), PROGRAM.get(PROGRAM.size() - 2));
        assertEquals(Insn.exit(), PROGRAM.getLast());
    }

    @Test void badRulesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> DeviceProgram.of(List.of(new DeviceRules.Rule('a', 1, 3, "rwm", "all"))));
        assertThrows(IllegalArgumentException.class, () -> DeviceProgram.of(List.of(new DeviceRules.Rule('c', 1, 3, "rx", "bad"))));
    }
}
