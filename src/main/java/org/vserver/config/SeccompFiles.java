package org.vserver.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vserver.seccomp.SyscallTable;
import org.vserver.sys.Errno;

/**
 * Reads {@code seccomp/} of {@code .defaults} and of the guest (util-vserver had no such files;
 * the layout is ours):
 * <ul>
 *   <li>{@code seccomp/allow}: one system call name per line, allowed whatever the default says
 *       (also past its argument checks);</li>
 *   <li>{@code seccomp/deny}: {@code name [ERRNO]} per line: the call fails with ERRNO (a name such as
 *       {@code EPERM} or {@code ENOSYS}, or a number 1..4095; default EPERM);</li>
 *   <li>{@code seccomp/disabled} (guest only): no filter for this guest.</li>
 * </ul>
 * Blank and {@code #} lines are ignored. A name no syscall table (x86_64, x32, i386) knows is an
 * error naming file and line. Order: .defaults' allow, .defaults' deny, the guest's allow, the
 * guest's deny; a later line for the same name wins.
 */
public final class SeccompFiles {
    private SeccompFiles() {}

    static SeccompConfig read(ConfigFiles files) throws ConfigException {
        List<SeccompConfig.Change> changes = new ArrayList<>();
        for (var dir : List.of(files.defaultsDir(), files.guestDir())) {
            Optional<ConfigFiles.Content> allow = ConfigFiles.read(dir.resolve("seccomp/allow"));
            if (allow.isPresent()) changes.addAll(allow(allow.get()));
            Optional<ConfigFiles.Content> deny = ConfigFiles.read(dir.resolve("seccomp/deny"));
            if (deny.isPresent()) changes.addAll(deny(deny.get()));
        }
        return new SeccompConfig(files.flag("seccomp/disabled"), changes);
    }

    static List<SeccompConfig.Change> allow(ConfigFiles.Content c) throws ConfigException {
        List<SeccompConfig.Change> out = new ArrayList<>();
        for (ConfigFiles.Line l : c.items()) {
            String[] f = l.text().split("\\s+");
            if (f.length != 1) throw l.error("expected one system call name per line, got '" + l.text() + "'");
            out.add(new SeccompConfig.Change(name(l, f[0]), 0));
        }
        return out;
    }

    static List<SeccompConfig.Change> deny(ConfigFiles.Content c) throws ConfigException {
        List<SeccompConfig.Change> out = new ArrayList<>();
        for (ConfigFiles.Line l : c.items()) {
            String[] f = l.text().split("\\s+");
            if (f.length > 2) throw l.error("expected 'SYSCALL [ERRNO]', got '" + l.text() + "'");
            out.add(new SeccompConfig.Change(name(l, f[0]), f.length == 2 ? errno(l, f[1]) : Errno.EPERM));
        }
        return out;
    }

    private static String name(ConfigFiles.Line l, String name) throws ConfigException {
        if (!SyscallTable.known(name))
            throw l.error("unknown system call '" + name + "' (names as in the kernel's unistd headers, e.g. keyctl, uname)");
        return name;
    }

    private static int errno(ConfigFiles.Line l, String s) throws ConfigException {
        int n = s.matches("\\d{1,4}") ? Integer.parseInt(s) : Errno.number(s);
        if (n < 1 || n > 4095) throw l.error("unknown errno '" + s + "' (a name such as EPERM, ENOSYS, EACCES, or a number 1..4095)");
        return n;
    }
}
