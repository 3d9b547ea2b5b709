package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vserver.kernel.CpuList;

/**
 * The cpuset controller. v1: a new cpuset starts with empty {@code cpuset.cpus} and
 * {@code cpuset.mems} (unless cgroup.clone_children is set), and a task cannot join it until both
 * are set (ENOSPC), so each level copies its parent's values. Limits: the guest's CPUs and memory
 * nodes, and exclusivity ({@code cpuset.cpu_exclusive}/{@code mem_exclusive} on v1,
 * {@code cpuset.cpus.partition} on v2).
 *
 * <p>What the v1 kernel requires of an exclusive cpuset (tried on this host, Linux 6.18): its parent
 * must be exclusive too (EACCES otherwise; the hierarchy root always is), and no sibling may share
 * a CPU with it, exclusive or not (EINVAL, both when setting the flag and when a sibling's
 * cpuset.cpus would overlap later). A parent cannot drop the flag while a child has it (EBUSY).
 * So {@link #apply1} makes the ancestors exclusive on the way down, and when a guest gives the
 * flag up, clears it again on each ancestor below the root that no longer has an exclusive child.
 */
final class CpusetController {
    static final List<String> FILES = List.of("cpuset.cpus", "cpuset.mems");
    static final List<String> FILES1 = List.of("cpuset.cpus", "cpuset.mems", "cpuset.cpu_exclusive", "cpuset.mem_exclusive");
    static final List<String> FILES2 = List.of("cpuset.cpus", "cpuset.mems", "cpuset.cpus.partition");

    private CpusetController() {}

    /**
     * Copies cpus, then mems, from the parent of {@code dir} where {@code dir}'s are empty, less what
     * an exclusive sibling holds: the kernel refuses (EINVAL) a set that overlaps one, so without
     * this no guest could be created beside an exclusive one.
     */
    static void inherit(Path dir) throws IOException {
        for (String name : FILES) {
            Path mine = dir.resolve(name);
            if (!Files.exists(mine) || !CgroupFiles.read(mine).isEmpty()) continue;
            String flag = name.equals("cpuset.cpus") ? "cpuset.cpu_exclusive" : "cpuset.mem_exclusive";
            CpuList free = CpuList.parse(CgroupFiles.read(dir.getParent().resolve(name)));
            for (Path sibling : CgroupTree.children(dir.getParent()))
                if (!sibling.equals(dir) && flag(sibling, flag)) free = free.minus(CpuList.parse(CgroupFiles.read(sibling.resolve(name))));
            if (free.isEmpty())
                throw new IOException("write(`" + mine + "`) failed: every entry of the parent's " + name
                        + " is held by an exclusive sibling: give a guest fewer " + name + " or drop its exclusive flag");
            CgroupFiles.write(mine, free.toString());
        }
    }

    /**
     * v1. The flags are cleared before cpus/mems are written and set after them: an exclusive
     * cpuset cannot take CPUs a sibling has, and becoming exclusive needs the new, disjoint set.
     *
     * @param mount the hierarchy's root, where walking up the ancestors stops
     */
    static void apply1(CgroupWriter w, Path mount, Path dir, CgroupLimits l) throws IOException {
        boolean wasCpu = flag(dir, "cpuset.cpu_exclusive");
        boolean wasMem = flag(dir, "cpuset.mem_exclusive");
        if (!l.cpuExclusive()) ControlFile.write(w, dir, "cpuset.cpu_exclusive", "0", true, "cpuset", "");
        if (!l.memExclusive()) ControlFile.write(w, dir, "cpuset.mem_exclusive", "0", true, "cpuset", "");
        Path parent = dir.getParent();
        if (l.cpus().isPresent())
            set(w, dir, "cpuset.cpus", l.cpus().get(), ControlFile.first(parent, "cpuset.effective_cpus", "cpuset.cpus"), "CPUs");
        if (l.mems().isPresent())
            set(w, dir, "cpuset.mems", l.mems().get(), ControlFile.first(parent, "cpuset.effective_mems", "cpuset.mems"),
                    "memory nodes");
        if (l.cpuExclusive()) exclusive(w, mount, dir, "cpuset.cpu_exclusive", "cpuset.cpus");
        if (l.memExclusive()) exclusive(w, mount, dir, "cpuset.mem_exclusive", "cpuset.mems");
        if (wasCpu && !l.cpuExclusive()) release(w, mount, parent, "cpuset.cpu_exclusive");
        if (wasMem && !l.memExclusive()) release(w, mount, parent, "cpuset.mem_exclusive");
    }

    /**
     * v2. A partition root owns its CPUs exclusively; the kernel accepts the write even when the
     * partition cannot be valid and reports that only in the file ("root invalid (reason)"), so the
     * value is read back, and an invalid partition is turned back into a member and reported.
     *
     * @return a note if exclusive memory nodes are asked for: v2 has no such thing
     */
    static List<String> apply2(CgroupWriter w, Path dir, CgroupLimits l) throws IOException {
        Path parent = dir.getParent();
        if (!l.cpuExclusive()) ControlFile.write(w, dir, "cpuset.cpus.partition", "member", true, "cpuset", "");
        if (l.cpus().isPresent())
            set(w, dir, "cpuset.cpus", l.cpus().get(), ControlFile.first(parent, "cpuset.cpus.effective"), "CPUs");
        if (l.mems().isPresent())
            set(w, dir, "cpuset.mems", l.mems().get(), ControlFile.first(parent, "cpuset.mems.effective"), "memory nodes");
        if (l.cpuExclusive()) {
            Path partition = dir.resolve("cpuset.cpus.partition");
            ControlFile.write(w, dir, "cpuset.cpus.partition", "root", false, "cpuset", "exclusive CPUs");
            String state = CgroupFiles.read(partition);
            if (!state.equals("root")) {
                w.write(partition, "member");
                throw new IOException("write(`" + partition + "`) failed: the kernel made it \"" + state
                        + "\": a partition root needs CPUs no sibling uses and a parent that is a partition root"
                        + " itself; drop cpu_exclusive or give the parent a partition of its own");
            }
        }
        return l.memExclusive() ? List.of("cpuset.mem_exclusive: cgroup v2 has no exclusive memory nodes; not applied")
                : List.of();
    }

    /** Writes a CPU or node list after checking it is a subset of the parent's effective one. */
    private static void set(CgroupWriter w, Path dir, String name, CpuList wanted, Optional<Path> parentEffective,
                            String what) throws IOException {
        if (!Files.exists(dir.resolve(name)))
            throw ControlFile.missing(dir, name, "cpuset", "a cpuset (" + what + " " + wanted + ")");
        if (parentEffective.isPresent()) {
            CpuList available = CpuList.parse(CgroupFiles.read(parentEffective.get()));
            CpuList missing = wanted.minus(available);
            if (!missing.isEmpty())
                throw new IOException(name + ": " + what + " " + missing + " are not in the parent's effective set "
                        + available + " (`" + parentEffective.get() + "`): choose " + what + " from " + available);
        }
        try {
            w.write(dir.resolve(name), wanted.toString());
        } catch (IOException e) {
            throw explained(e, dir, name, wanted);
        }
    }

    /** Sets an exclusive flag on every ancestor below the root that lacks it, top down, then on {@code dir}. */
    private static void exclusive(CgroupWriter w, Path mount, Path dir, String flag, String list) throws IOException {
        if (!Files.exists(dir.resolve(flag))) throw ControlFile.missing(dir, flag, "cpuset", "an exclusive cpuset");
        var chain = new ArrayList<Path>();
        for (Path d = dir; d.startsWith(mount) && !d.equals(mount); d = d.getParent()) chain.addFirst(d);
        for (Path d : chain) {
            if (flag(d, flag)) continue;
            try {
                w.write(d.resolve(flag), "1");
            } catch (IOException e) {
                throw explained(e, d, list, CpuList.parse(CgroupFiles.read(d.resolve(list))));
            }
        }
    }

    /** Clears {@code flag} on {@code dir} and the ancestors above it (below the root) that no longer have an exclusive child. */
    private static void release(CgroupWriter w, Path mount, Path dir, String flag) throws IOException {
        for (Path d = dir; d.startsWith(mount) && !d.equals(mount); d = d.getParent()) {
            if (!flag(d, flag)) return;
            for (Path child : CgroupTree.children(d)) if (flag(child, flag)) return;
            w.write(d.resolve(flag), "0");
        }
    }

    private static boolean flag(Path dir, String name) throws IOException {
        Path f = dir.resolve(name);
        return Files.exists(f) && CgroupFiles.read(f).equals("1");
    }

    /**
     * The kernel says only EINVAL when exclusive cpusets would overlap; name the siblings that share
     * {@code list} (cpuset.cpus or cpuset.mems) with {@code own}, the set {@code dir} has or is to get, and what to do.
     */
    private static IOException explained(IOException e, Path dir, String list, CpuList own) throws IOException {
        var clashes = new ArrayList<String>();
        for (Path sibling : CgroupTree.children(dir.getParent())) {
            if (sibling.equals(dir) || !Files.exists(sibling.resolve(list))) continue;
            CpuList theirs = CpuList.parse(CgroupFiles.read(sibling.resolve(list)));
            if (!theirs.minus(own).equals(theirs)) clashes.add("`" + sibling.getFileName() + "` has " + theirs);
        }
        if (clashes.isEmpty()) return e;
        return new IOException(e.getMessage() + ": an exclusive cpuset may share no " + list + " entry with a sibling ("
                + dir.getFileName() + " has " + own + ", " + String.join(", ", clashes)
                + "); give the guests disjoint " + list + " or drop the exclusive flag", e);
    }
}
