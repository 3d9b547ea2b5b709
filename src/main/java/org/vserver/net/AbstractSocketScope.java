package org.vserver.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Btf;
import org.vserver.bpf.Insn;
import org.vserver.sys.Errno;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.Syscalls;

/**
 * Puts {@link AbstractSocketPrograms} in place: {@link #attach} on a context's cgroup (a shared
 * guest's, a chbind command's), {@link #guard} on the cgroup2 root for the contexts under one
 * vserver parent cgroup, {@link #release} once that parent is gone. The guard programs are
 * attached without a link (they must outlive the command that attached them) and are found
 * again by their tag: the kernel's hash of their instructions, which embed the parent's id, so
 * the programs of one parent are recognized among other parents' (test runs use one each) and
 * every other program at the root is left alone.
 *
 * <p>What the kernel must offer, probed, never assumed ({@link #requireKernel}): the BPF LSM
 * active ({@code lsm_list_modules}, else {@code /sys/kernel/security/lsm}), BTF of the kernel
 * ({@code /sys/kernel/btf/vmlinux}) with the two hooks, and a kernel that loads a BPF_LSM_CGROUP
 * program (Linux 6.0+; some kernels refuse every trampoline program with EPERM).
 *
 * <p>Not wired into start and chbind yet: the development host's kernel refuses BPF LSM programs,
 * so this path has only run on a model ({@code AbstractSocketProgramsTest}). Where
 * {@code AbstractSocketScopeHostTest} passes, it can take over from the Landlock scope
 * ({@code StartPlanner.abstractSocketScope}) and lift that scope's two limits: a process that
 * joins a guest ({@code vserver NAME exec}) would reach the guest's names (it is in the guest's
 * cgroup), and a name a guest binds first would not answer host clients ({@link #guard}).
 */
public final class AbstractSocketScope {
    /** LSM_ID_BPF (include/uapi/linux/lsm.h). */
    static final long LSM_ID_BPF = 109;
    private static final String LICENSE = "GPL";          // LSM programs must be GPL-compatible
    static final Path SECURITYFS_LSM = Path.of("/sys/kernel/security/lsm");

    private AbstractSocketScope() {}

    /** What a refusal adds: what the programs need. */
    static final String WAY_OUT = "the cgroup-keyed unix socket scope needs the BPF LSM (lsm=...,bpf on the kernel command line,"
            + " CONFIG_BPF_LSM=y, Linux 6.0+) and a kernel that loads BPF_LSM_CGROUP programs";

    /** The layout of this kernel, from its BTF (about 5 MB: read it once per command and pass it on). */
    public static AbstractSocketPrograms.Layout layout() throws IOException {
        if (!Files.isReadable(Btf.VMLINUX))
            throw new IOException("abstract unix socket scoping needs the kernel's BTF, and `" + Btf.VMLINUX
                    + "` is missing (CONFIG_DEBUG_INFO_BTF): " + WAY_OUT);
        try {
            return AbstractSocketPrograms.Layout.of(Btf.vmlinux());
        } catch (IllegalArgumentException e) {
            throw new IOException("abstract unix socket scoping: " + e.getMessage() + ": " + WAY_OUT);
        }
    }

    /**
     * Fails unless the BPF LSM is active and this kernel loads a BPF_LSM_CGROUP program (a trivial
     * one: some kernels refuse every trampoline program, fentry and LSM alike, with EPERM before
     * the verifier runs; this project's development host does).
     */
    public static void requireKernel(Syscalls sys, AbstractSocketPrograms.Layout l) throws IOException {
        requireBpfLsm(sys);
        try {
            int fd = sys.bpfProgLoad(Bpf.PROG_TYPE_LSM, Insn.encode(List.of(Insn.mov(0, 1), Insn.exit())), LICENSE, "vserver_probe",
                    Bpf.LSM_CGROUP, l.connectId());
            sys.close(fd);
        } catch (ErrnoException e) {
            throw new IOException("this kernel refuses BPF LSM programs (" + e.getMessage() + " [" + Errno.name(e.errno())
                    + "] for a program that only returns 1): " + WAY_OUT);
        }
    }

    /** Fails unless the BPF LSM is among the active security modules. */
    static void requireBpfLsm(Syscalls sys) throws IOException {
        try {
            long[] ids = sys.lsmListModules();
            if (Arrays.stream(ids).noneMatch(id -> id == LSM_ID_BPF))
                throw new IOException("the BPF LSM is not active (lsm_list_modules lists " + Arrays.toString(ids) + "): " + WAY_OUT);
            return;
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOSYS) throw new IOException(e.getMessage() + ": " + WAY_OUT);
        }
        if (!Files.isReadable(SECURITYFS_LSM))
            throw new IOException("cannot tell whether the BPF LSM is active: no lsm_list_modules (Linux < 6.8) and no `"
                    + SECURITYFS_LSM + "` (mount securityfs there): " + WAY_OUT);
        List<String> active = List.of(Files.readString(SECURITYFS_LSM).strip().split(","));
        if (!active.contains("bpf")) throw new IOException("the BPF LSM is not active (" + SECURITYFS_LSM + ": " + active + "): " + WAY_OUT);
    }

    /** The cgroup's id as the kernel's programs see it ({@code kn->id}): the directory's inode number on 64-bit. */
    public static long cgroupId(Path dir) throws IOException {
        return (Long) Files.getAttribute(dir, "unix:ino");
    }

    /** The root of the cgroup2 hierarchy {@code dir} is in: the highest directory with {@code cgroup.controllers}. */
    public static Path root(Path dir) {
        Path d = dir;
        while (d.getParent() != null && Files.exists(d.getParent().resolve("cgroup.controllers"))) d = d.getParent();
        return d;
    }

    /** Attaches the scoped programs to a context's cgroup; a failure detaches what was attached. */
    public static void attach(Syscalls sys, AbstractSocketPrograms.Layout l, Path cgroupDir) throws IOException {
        long id = cgroupId(cgroupDir);
        List<Program> programs = new ArrayList<>();
        for (var h : AbstractSocketPrograms.Hook.values())
            programs.add(new Program(h, h.scopedName, AbstractSocketPrograms.scoped(l, h, id)));
        attachAll(sys, cgroupDir, programs, l);
    }

    /**
     * Makes sure the root of {@code parentDir}'s hierarchy carries the guard of the contexts under
     * {@code parentDir}; idempotent (a guard already there is kept, a new load closed).
     */
    public static void guard(Syscalls sys, AbstractSocketPrograms.Layout l, Path parentDir) throws IOException {
        Path root = root(parentDir);
        List<Program> missing = new ArrayList<>();
        List<byte[]> have = attachedTags(sys, root);
        for (var h : AbstractSocketPrograms.Hook.values()) {
            var p = new Program(h, h.guardName, AbstractSocketPrograms.guard(l, h, cgroupId(parentDir)));
            int fd = load(sys, p, l, root);
            try {
                byte[] tag = sys.bpfProgTag(fd);
                if (have.stream().noneMatch(t -> Arrays.equals(t, tag))) missing.add(p);
            } catch (ErrnoException e) {
                throw new IOException(e.getMessage() + ": the tag of " + p.name + " cannot be read");
            } finally {
                sys.close(fd);
            }
        }
        if (!missing.isEmpty()) attachAll(sys, root, missing, l);
    }

    /** Detaches the guard of the parent whose id was {@code parentId} from {@code root}; a guard not there is fine. */
    public static void release(Syscalls sys, AbstractSocketPrograms.Layout l, Path root, long parentId) throws IOException {
        for (int id : guardsOf(sys, l, root, parentId)) {
            int dir = openDir(sys, root);
            try {
                int fd = sys.bpfProgFdById(id);
                try {
                    sys.bpfProgDetach(dir, fd, Bpf.LSM_CGROUP);
                } finally {
                    sys.close(fd);
                }
            } catch (ErrnoException e) {
                if (e.errno() != Errno.ENOENT) throw new IOException(e.getMessage() + ": the unix socket guard of `" + root
                        + "` could not be detached (bpftool cgroup detach " + root + " lsm_cgroup id " + id + ")");
            } finally {
                sys.close(dir);
            }
        }
    }

    /** The ids of the guard programs of parent {@code parentId} attached at {@code root} (for release and leak checks). */
    public static List<Integer> guardsOf(Syscalls sys, AbstractSocketPrograms.Layout l, Path root, long parentId) throws IOException {
        List<Integer> attached;
        try {
            attached = attachedIds(sys, root);
        } catch (IOException noLsmCgroup) {
            return List.of();                                 // a kernel without BPF_LSM_CGROUP has none
        }
        if (attached.isEmpty()) return List.of();
        List<Integer> out = new ArrayList<>();
        List<byte[]> tags = new ArrayList<>();
        for (var h : AbstractSocketPrograms.Hook.values()) {
            int fd = load(sys, new Program(h, h.guardName, AbstractSocketPrograms.guard(l, h, parentId)), l, root);
            try {
                tags.add(sys.bpfProgTag(fd));
            } catch (ErrnoException e) {
                throw new IOException(e.getMessage() + ": the tag of a unix socket guard cannot be read");
            } finally {
                sys.close(fd);
            }
        }
        for (int id : attached) {
            try {
                int fd = sys.bpfProgFdById(id);
                try {
                    byte[] t = sys.bpfProgTag(fd);
                    if (tags.stream().anyMatch(x -> Arrays.equals(x, t))) out.add(id);
                } finally {
                    sys.close(fd);
                }
            } catch (ErrnoException gone) {
                // detached and unloaded meanwhile
            }
        }
        return out;
    }

    private record Program(AbstractSocketPrograms.Hook hook, String name, List<Insn> code) {}

    private static int load(Syscalls sys, Program p, AbstractSocketPrograms.Layout l, Path where) throws IOException {
        try {
            return sys.bpfProgLoad(Bpf.PROG_TYPE_LSM, Insn.encode(p.code), LICENSE, p.name, Bpf.LSM_CGROUP, l.btfId(p.hook));
        } catch (ErrnoException e) {
            throw new IOException("the unix socket program " + p.name + " for `" + where + "` could not be loaded: " + e.getMessage()
                    + " [" + Errno.name(e.errno()) + "] (a kernel without BPF_LSM_CGROUP, Linux < 6.0?): " + WAY_OUT);
        }
    }

    private static void attachAll(Syscalls sys, Path dirPath, List<Program> programs, AbstractSocketPrograms.Layout l) throws IOException {
        int dir = openDir(sys, dirPath);
        List<Integer> attached = new ArrayList<>();
        boolean done = false;
        try {
            for (Program p : programs) {
                int fd = load(sys, p, l, dirPath);
                try {
                    sys.bpfProgAttach(dir, fd, Bpf.LSM_CGROUP, Bpf.F_ALLOW_MULTI);
                    attached.add(fd);
                    fd = -1;
                } catch (ErrnoException e) {
                    throw new IOException("the unix socket program " + p.name + " could not be attached to `" + dirPath + "`: "
                            + e.getMessage() + " [" + Errno.name(e.errno()) + "]");
                } finally {
                    if (fd >= 0) sys.close(fd);
                }
            }
            done = true;
        } finally {
            for (int i = attached.size() - 1; i >= 0; i--) {
                if (!done) {
                    try {
                        sys.bpfProgDetach(dir, attached.get(i), Bpf.LSM_CGROUP);
                    } catch (ErrnoException ignored) {
                        // the error being thrown says what went wrong first
                    }
                }
                sys.close(attached.get(i));                   // the attachment holds its own reference
            }
            sys.close(dir);
        }
    }

    private static List<byte[]> attachedTags(Syscalls sys, Path root) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (int id : attachedIds(sys, root)) {
            try {
                int fd = sys.bpfProgFdById(id);
                try {
                    out.add(sys.bpfProgTag(fd));
                } finally {
                    sys.close(fd);
                }
            } catch (ErrnoException gone) {
                // detached meanwhile
            }
        }
        return out;
    }

    /** The LSM programs attached to {@code dir} itself. */
    public static List<Integer> attachedIds(Syscalls sys, Path dir) throws IOException {
        int fd = openDir(sys, dir);
        try {
            return Arrays.stream(sys.bpfProgQuery(fd, Bpf.LSM_CGROUP)).boxed().toList();
        } catch (ErrnoException e) {
            throw new IOException(e.getMessage() + ": the unix socket programs of `" + dir + "` cannot be listed");
        } finally {
            sys.close(fd);
        }
    }

    private static int openDir(Syscalls sys, Path dir) throws IOException {
        try {
            return sys.open(dir.toString(), Syscalls.O_RDONLY | Syscalls.O_DIRECTORY, 0);
        } catch (ErrnoException e) {
            throw new IOException(e.getMessage() + ": the unix socket programs cannot be attached to `" + dir + "`");
        }
    }
}
