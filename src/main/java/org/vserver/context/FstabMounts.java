package org.vserver.context;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.vserver.config.GuestConfig.FstabEntry;
import org.vserver.kernel.MountFlag;
import org.vserver.plan.Step;
import org.vserver.plan.Step.BindIdmapIn;
import org.vserver.plan.Step.BindIn;
import org.vserver.plan.Step.MkdirIn;
import org.vserver.plan.Step.MountIn;

/**
 * Turns the guest's {@code fstab} into mount steps under the guest root (before pivot_root, so
 * bind sources are host paths). proc, sysfs and devpts lines are not mounted as written: the
 * planner always mounts those itself with the secure options; a devpts line only contributes its
 * {@code gid=} and {@code mode=}.
 *
 * <p>Targets are paths in the guest's tree, which the launcher resolves inside it (a link there
 * never leads to the host). Sources are the admin's host paths and stay so, except a bind source
 * below the guest's root: that is the guest's tree too, and is resolved inside it like a target.
 */
public final class FstabMounts {
    private FstabMounts() {}

    /** Options that are mount(2) flags; everything else goes to the filesystem as data. */
    static MountFlag flagOf(String option) {
        return switch (option) {
            case "ro" -> MountFlag.RDONLY;
            case "nosuid" -> MountFlag.NOSUID;
            case "nodev" -> MountFlag.NODEV;
            case "noexec" -> MountFlag.NOEXEC;
            case "sync" -> MountFlag.SYNCHRONOUS;
            case "dirsync" -> MountFlag.DIRSYNC;
            case "noatime" -> MountFlag.NOATIME;
            case "nodiratime" -> MountFlag.NODIRATIME;
            case "relatime" -> MountFlag.RELATIME;
            case "strictatime" -> MountFlag.STRICTATIME;
            case "lazytime" -> MountFlag.LAZYTIME;
            default -> null;
        };
    }

    /** fstab(5) words that mean "the default" or concern only mount(8), never the kernel. */
    static boolean isNoise(String option) {
        return switch (option) {
            case "defaults", "rw", "auto", "noauto", "user", "nouser", "users", "nofail", "_netdev", "exec", "suid",
                 "dev", "async", "bind", "rbind", "atime", "diratime" -> true;
            default -> option.startsWith("x-") || option.startsWith("comment=");
        };
    }

    static boolean isVirtualKernelFs(String type) {
        return type.equals("proc") || type.equals("sysfs") || type.equals("devpts");
    }

    /** The devpts options the fstab asks for (gid=, mode=), for the planner's own devpts mount. */
    public static List<String> devptsOptions(List<FstabEntry> fstab) {
        List<String> out = new ArrayList<>();
        for (FstabEntry e : fstab)
            if (e.type().equals("devpts"))
                for (String o : e.options()) if (o.startsWith("gid=") || o.startsWith("mode=")) out.add(o);
        return out;
    }

    /**
     * @param root       the guest root as a host path, without trailing slash (bind sources below it
     *                   become paths in the guest)
     * @param isDirectory whether a host path is a directory (a bind of a file needs no mkdir)
     */
    public static List<Step> steps(String root, List<FstabEntry> fstab, Predicate<String> isDirectory) {
        return steps(root, fstab, isDirectory, Optional.empty());
    }

    /**
     * In a user namespace ({@code userns}), a read-only bind of a host tree (the {@code host}
     * method's /usr) is idmapped: its owners 0..65535 are the guest's own, root-owned inside, and it
     * cannot be written anyway. A writable bind stays plain, so that what the guest writes there
     * carries its host ids on disk: the tag {@code lsxid} reads on a tree two guests share. A
     * tmpfs's root is the guest root's ({@code uid=}/{@code gid=} shifted into its range).
     */
    public static List<Step> steps(String root, List<FstabEntry> fstab, Predicate<String> isDirectory, Optional<UserNamespace> userns) {
        List<Step> steps = new ArrayList<>();
        for (FstabEntry e : fstab) {
            if (isVirtualKernelFs(e.type()) || e.options().contains("noauto")) continue;
            String target = e.target();                                          // never "/": Fstab refuses it
            EnumSet<MountFlag> flags = EnumSet.noneOf(MountFlag.class);
            List<String> data = new ArrayList<>();
            for (String o : e.options()) {
                MountFlag f = flagOf(o);
                if (f != null) flags.add(f);
                else if (!isNoise(o)) data.add(o);
            }
            boolean bind = e.options().contains("bind") || e.options().contains("rbind") || e.type().equals("bind");
            if (bind) {
                if (isDirectory.test(e.source())) steps.add(new MkdirIn(target, 0755));
                Set<MountFlag> how = e.options().contains("rbind") ? EnumSet.of(MountFlag.BIND, MountFlag.REC) : EnumSet.of(MountFlag.BIND);
                String inGuest = inGuest(root, e.source());
                if (inGuest == null && userns.isPresent() && flags.contains(MountFlag.RDONLY) && Step.IDMAP_ATTRS.containsAll(flags)) {
                    // open_tree clones recursively: an idmapped bind takes what is mounted below the source too
                    steps.add(new BindIdmapIn(e.source(), target, UserNamespace.FD, flags));
                    continue;
                }
                steps.add(inGuest != null ? new BindIn(inGuest, target, how) : new MountIn(e.source(), target, null, how, null));
                // A bind mount takes its flags only from a second, remounting call.
                if (!flags.isEmpty()) {
                    EnumSet<MountFlag> remount = EnumSet.of(MountFlag.REMOUNT, MountFlag.BIND);
                    remount.addAll(flags);
                    steps.add(new MountIn(null, target, null, remount, null));
                }
            } else {
                steps.add(new MkdirIn(target, 0755));
                String options = data.isEmpty() ? null : String.join(",", data);
                if (e.type().equals("tmpfs")) options = StartPlanner.tmpfsData(userns, options);
                steps.add(new MountIn(e.source(), target, e.type(), flags, options));
            }
        }
        return steps;
    }

    /**
     * A host path below the guest's root as a path in the guest ("/srv/g/var/www" -> "/var/www"),
     * or null for any other source. Compared as written, normalized without asking the file system
     * ("a/x/../b" is "a/b" even if x is a link): the admin's links above the root are the admin's
     * business, and no link of the guest's is followed on the host's side.
     */
    static String inGuest(String root, String source) {
        if (!source.startsWith("/")) return null;
        String norm = java.nio.file.Path.of(source).normalize().toString();
        return norm.startsWith(root + "/") ? norm.substring(root.length()) : null;
    }
}
