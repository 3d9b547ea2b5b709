package org.vserver.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * VServer's virtualization context flags ({@code cflags}, reference §4.5): what a guest sees of
 * the host's figures. Each is on by default; {@code !virt_mem} in the guest's {@code cflags} turns
 * one off, and a {@code .defaults/cflags} that names some turns the others off for every guest.
 */
public enum ProcView {
    /** /proc/meminfo and /proc/swaps follow the memory limit (lxcfs). */
    MEM("virt_mem"),
    /** /proc/uptime, sysinfo(2), the btime of /proc/stat and the processes' start times count from the guest's start (a time namespace). */
    UPTIME("virt_uptime"),
    /** /proc/loadavg is the guest's tasks' (lxcfs). */
    LOAD("virt_load"),
    /** /proc/cpuinfo, /sys/devices/system/cpu and, without virt_uptime, /proc/stat follow the cpuset and the CPU quota (lxcfs). */
    CPU("virt_cpu");

    private final String flag;

    ProcView(String flag) { this.flag = flag; }

    /** The flag's name in {@code cflags}: {@code virt_mem}. */
    public String flag() { return flag; }

    /** The view a {@code cflags} name turns on, if it is one. */
    public static Optional<ProcView> ofFlag(String name) {
        return Arrays.stream(values()).filter(v -> v.flag.equals(name)).findFirst();
    }
}
