package org.vserver.limits;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The limits every guest gets unless {@code .defaults/rlimits/} or its own {@code rlimits/} (or,
 * for a per-process resource, its {@code ulimits/}) says otherwise; {@code inf} there switches
 * one off. Built in rather than written into {@code /etc/vservers/.defaults} by the installer, so
 * that a host whose configuration predates them (a VServer host's {@code /etc/vservers}, a test's
 * private confdir) gets them too, the value has one home, and {@code status} can tell a site's
 * choice ({@code .defaults}) from vserver's.
 *
 * <p>Why these resources. Guest root is the host's uid 0 (no user namespace yet), and the kernel
 * counts some resources per (user namespace, uid): every guest's root and the host's root share
 * one counter. Where the check compares that shared counter with the rlimit of the task being
 * charged (RLIMIT_MSGQUEUE in mqueue_get_inode(): the caller's; RLIMIT_SIGPENDING in
 * sig_get_ucounts(): the task the signal is queued to, which for timer_create(2) is the caller),
 * a guest whose rlimit is lower than the host's can fill the counter only up to its own limit:
 * whatever all guests hold together stays below the largest guest limit, and the host keeps the
 * rest. The same lower limit does not protect one guest from another: both check the same counter
 * against the same limit. That, and inotify instances (fs.inotify.max_user_instances, no rlimit)
 * and pipe-user-pages (no rlimit), need the guest's own uid: the user-namespace issue.
 */
public final class DefaultLimits {
    private DefaultLimits() {}

    /**
     * Tasks (processes and threads; the pids controller). Far above what a service guest runs (a
     * few hundred, a JVM with a large thread pool included) and an eighth of the smallest default
     * pid_max (32768), so one guest's fork bomb leaves pids and threads-max for the host and the
     * others. A guest that needs more sets {@code rlimits/nproc}.
     */
    public static final long NPROC = 4096;

    /**
     * POSIX message-queue bytes: half of the kernel's default RLIMIT_MSGQUEUE (819200, MQ_BYTES_MAX),
     * so the host's root keeps at least 409600 bytes (four queues of the default 10 x 8192) however
     * the guests fill the shared uid-0 counter. Queues are rare in guests; one default queue costs
     * about 82 KB, so a guest still gets four.
     */
    public static final long MSGQUEUE = 409600;

    /**
     * Queued signals and POSIX timers: the kernel's default RLIMIT_SIGPENDING is threads-max / 2
     * (96367 on a 24 GB host, about 4096 on a 1 GB one), so 1024 leaves the host's root most of its
     * own limit on any host of 512 MB and up. Pending signals are transient and a POSIX timer holds
     * one: 1024 is far more than a service guest keeps (systemd uses timerfds).
     */
    public static final long SIGPENDING = 1024;

    /** The built-in defaults, soft = hard: a guest without CAP_SYS_RESOURCE cannot raise its hard limit. */
    public static final Map<Resource, Limit> BUILT_IN = Collections.unmodifiableMap(new EnumMap<>(Map.of(
            Resource.NPROC, Limit.both(NPROC),
            Resource.MSGQUEUE, Limit.both(MSGQUEUE),
            Resource.SIGPENDING, Limit.both(SIGPENDING))));
}
