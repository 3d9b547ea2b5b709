package org.vserver.cgroup;

import java.util.List;

/**
 * The devices a guest may open or create (defence in depth beside the guest's own /dev,
 * reference/security.md §2.4): the OCI default set plus the console, ptmx and the pts instance.
 * Everything else is denied. Two enforcements of the same list: cgroup v1 writes it into
 * devices.deny / devices.allow ({@link DevicesController}); the guest's cgroup v2 directory (v2, or
 * a hybrid host's unified one beside the v1 controllers) gets it compiled to a
 * BPF_PROG_TYPE_CGROUP_DEVICE program ({@link DeviceProgram}, attached by {@link DevicePolicy}).
 * On a hybrid host both layers apply and each must allow an access.
 */
public final class DeviceRules {

    /** Matches every minor (or major) number: {@code *} in the rule text. */
    public static final int ANY = -1;

    /**
     * One allow rule as the v1 devices controller spells it, e.g. {@code c 136:* rwm}.
     *
     * @param type   'c' (character) or 'b' (block)
     * @param major  major number, or {@link #ANY}
     * @param minor  minor number, or {@link #ANY}
     * @param access a subset of "rwm": read, write, mknod
     * @param device what it is, for humans ("/dev/null")
     */
    public record Rule(char type, int major, int minor, String access, String device) {
        @Override
        public String toString() {
            return type + " " + number(major) + ":" + number(minor) + " " + access;
        }

        private static String number(int n) {
            return n == ANY ? "*" : Integer.toString(n);
        }
    }

    /** The allow list, written after {@code a} (all) has been denied. */
    public static final List<Rule> ALLOW = List.of(
            new Rule('c', 1, 3, "rwm", "/dev/null"),
            new Rule('c', 1, 5, "rwm", "/dev/zero"),
            new Rule('c', 1, 7, "rwm", "/dev/full"),
            new Rule('c', 1, 8, "rwm", "/dev/random"),
            new Rule('c', 1, 9, "rwm", "/dev/urandom"),
            new Rule('c', 5, 0, "rwm", "/dev/tty"),
            new Rule('c', 5, 1, "rwm", "/dev/console"),
            new Rule('c', 5, 2, "rwm", "/dev/ptmx"),
            new Rule('c', 136, ANY, "rwm", "/dev/pts/*"));

    private DeviceRules() {}
}
