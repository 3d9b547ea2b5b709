package org.vserver.kernel;

import java.util.Locale;

/** setrlimit(2) resources with their x86-64/generic numbers (asm-generic/resource.h). */
public enum Rlimit {
    CPU(0), FSIZE(1), DATA(2), STACK(3), CORE(4), RSS(5), NPROC(6), NOFILE(7), MEMLOCK(8), AS(9),
    LOCKS(10), SIGPENDING(11), MSGQUEUE(12), NICE(13), RTPRIO(14), RTTIME(15);

    private final int number;

    Rlimit(int number) { this.number = number; }

    public int number() { return number; }

    public String lowerName() { return name().toLowerCase(Locale.ROOT); }
}
