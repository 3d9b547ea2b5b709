package org.vserver.config;

import java.util.List;

/**
 * {@code seccomp/}: changes to the default filter (org.vserver.seccomp.DefaultProfile), from
 * {@code .defaults/seccomp/} and then the guest's {@code seccomp/}.
 *
 * @param disabled the guest's {@code seccomp/disabled} exists: no filter at all (warned at start)
 * @param changes  {@code allow} and {@code deny} lines in the order they apply: .defaults' allow,
 *                 .defaults' deny, the guest's allow, the guest's deny; a later line for a name wins
 */
public record SeccompConfig(boolean disabled, List<Change> changes) {
    public SeccompConfig { changes = List.copyOf(changes); }

    public static final SeccompConfig DEFAULT = new SeccompConfig(false, List.of());

    /** One line: allow {@code syscall} ({@code errno} 0), or make it fail with {@code errno}. */
    public record Change(String syscall, int errno) {
        public boolean allow() { return errno == 0; }
    }
}
