package org.vserver.config;

import java.util.List;

/**
 * The /proc and /sys entries a guest must not read or write (security.md §2.1, §2.2): the union
 * of Docker's, runc's and nspawn's lists. Entries missing on the running kernel are skipped.
 *
 * <p>This is the default of the visibility policy ({@link org.vserver.config.ProcVisibility#SECURE_DEFAULT}):
 * the {@code apps/vprocunhide/files} lists of {@code .defaults} and of the guest change it, and
 * {@link StartPlanner} mounts the result.
 */
public final class ProcMasks {
    private ProcMasks() {}

    /** Files hidden behind /dev/null: kernel memory, keys, host timers and tasks, interrupt side channels. */
    public static final List<String> MASKED_FILES = List.of(
            "/proc/interrupts", "/proc/kallsyms", "/proc/kcore", "/proc/key-users", "/proc/keys",
            "/proc/latency_stats", "/proc/sched_debug", "/proc/timer_list", "/proc/timer_stats");

    /** Directories hidden behind an empty read-only tmpfs. */
    public static final List<String> MASKED_DIRS = List.of(
            "/proc/acpi", "/proc/asound", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");

    /** Entries bound read-only onto themselves: global kernel knobs (core_pattern, sysrq, irq affinity). */
    public static final List<String> READ_ONLY = List.of(
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
}
