package org.vserver.seccomp;

/**
 * The system call ABIs an x86_64 kernel accepts. x32 shares the x86_64 audit arch: its calls are
 * told apart by {@code __X32_SYSCALL_BIT} in the number, so a filter that means only x86_64 must
 * refuse numbers with that bit itself.
 */
public enum Arch {
    X86_64("x86_64", 0xC000003E, 0),
    X32("x32", 0xC000003E, 0x40000000),
    I386("i386", 0x40000003, 0);

    /** __X32_SYSCALL_BIT. */
    public static final int X32_SYSCALL_BIT = 0x40000000;

    private final String tableName;
    private final int auditArch;
    private final int base;

    Arch(String tableName, int auditArch, int base) {
        this.tableName = tableName;
        this.auditArch = auditArch;
        this.base = base;
    }

    /** The resource {@code <tableName>.syscalls} and the header it comes from. */
    public String tableName() { return tableName; }

    /** AUDIT_ARCH_* as seccomp_data.arch holds it. */
    public int auditArch() { return auditArch; }

    /** Added to every number of the table: {@link #X32_SYSCALL_BIT} for x32. */
    public int base() { return base; }
}
