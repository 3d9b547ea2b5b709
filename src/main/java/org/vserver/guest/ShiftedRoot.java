package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.vserver.config.ConfigException;
import org.vserver.config.ConfigFiles;
import org.vserver.config.GuestConfig;
import org.vserver.config.GuestRanges;
import org.vserver.config.IdRange;
import org.vserver.config.UsernsConfig;
import org.vserver.config.UsernsFiles;
import org.vserver.context.IdmapProbe;
import org.vserver.context.StartPlanner;
import org.vserver.context.UserNamespace;
import org.vserver.launch.StepFailedException;
import org.vserver.sys.Errno;
import org.vserver.tag.FileWalk;
import org.vserver.tag.Retag;

/**
 * A guest root on a filesystem that refuses idmapped mounts (overlayfs itself, NFS, some FUSE):
 * its files are shifted once from host ids 0..65535 to the guest's range, as {@code chxid -c GUEST
 * -R VDIR} would, and {@code userns/shifted} says so; the start then binds the root plainly. Done
 * whenever a guest gets its range (at build, or at the first start of a guest built before user
 * namespaces), never twice.
 */
final class ShiftedRoot {
    private static final int SHOWN_FAILURES = 5;

    private final Vserver vs;

    ShiftedRoot(Vserver vs) { this.vs = vs; }

    /**
     * Shifts the guest's files if its root's filesystem refuses an idmapped mount, and says so.
     *
     * @param cfg the guest, its ranges allocated
     * @return {@code cfg}, with {@code userns/shifted} if its files were shifted now
     * @throws ConfigException another guest's range file does not parse
     * @throws IOException the probe failed for another reason than a refusal, or files could not be
     *                     shifted (then there is no marker, and the message says what to do)
     */
    GuestConfig shiftIfRefused(GuestConfig cfg) throws IOException, ConfigException {
        UsernsConfig u = cfg.userns();
        if (u.disabled() || u.shifted()) return cfg;
        UserNamespace userns = UserNamespace.of(cfg).orElseThrow();
        String root = StartPlanner.rootPath(cfg);
        OptionalInt refusal = probe(root, userns);
        if (refusal.isEmpty()) return cfg;
        Path marker = cfg.cfgdir().resolve(UsernsFiles.SHIFTED);
        shift(cfg, root, userns, marker);
        ConfigFiles.writeAtomically(marker, "");
        String to = userns.uid().hostFirst() == userns.gid().hostFirst() ? "host ids " + userns.uid().hostFirst() + ".."
                : "host uids " + userns.uid().hostFirst() + ".., gids " + userns.gid().hostFirst() + "..";
        vs.err().println("vserver: the filesystem of " + root + " refuses idmapped mounts (" + Errno.name(refusal.getAsInt())
                + "): its files were shifted once to " + to + " (" + marker + ")");
        return cfg.withUserns(new UsernsConfig(u.uid(), u.gid(), false, true));
    }

    /** The errno of the refusal, or empty if {@code root} takes an idmapped mount. */
    private OptionalInt probe(String root, UserNamespace userns) throws IOException {
        try {
            var r = vs.launcher().runQuietly(IdmapProbe.plan(root, userns));   // the refusal's report is ours to make
            if (r.exitCode() != 0) throw new IOException("the idmapped-mount probe of " + root + " exited with " + r.exitCode());
            return OptionalInt.empty();
        } catch (StepFailedException e) {
            if (IdmapProbe.refused(e.step(), e.errno())) return OptionalInt.of(e.errno());
            throw new IOException("cannot tell whether the filesystem of " + root + " takes an idmapped mount: " + e.getMessage(), e);
        }
    }

    /**
     * chxid's walk (through fds, never following a link, staying on the root's filesystem) with the
     * guest as the target. Idempotent: a file already in the range stays as it is, so a shift that
     * failed halfway can be finished by chxid.
     */
    private void shift(GuestConfig cfg, String root, UserNamespace userns, Path marker) throws IOException, ConfigException {
        var retag = new Retag(vs.sys(), GuestRanges.read(vs.config()), new Retag.Guest(cfg.name(), userns.uid(), userns.gid()));
        var walk = new FileWalk(vs.sys(), new FileWalk.Options(true, false, true, true));
        List<IOException> failed = new ArrayList<>();
        walk.walk(root, retag::retag, failed::add);
        if (failed.isEmpty()) return;
        var b = new StringBuilder("the filesystem of " + root + " refuses idmapped mounts, and " + failed.size()
                + " of its files could not be shifted to the guest's range:");
        failed.stream().limit(SHOWN_FAILURES).forEach(e -> b.append("\n  ").append(e.getMessage()));
        if (failed.size() > SHOWN_FAILURES) b.append("\n  ...");
        b.append("\nfix them, run `chxid -c ").append(cfg.name()).append(" -R -x ").append(root).append("` and create ").append(marker);
        throw new IOException(b.toString());
    }

    /**
     * Refuses to start a shifted guest whose files would show wrong owners: one with
     * {@code userns/disabled} (its root would find its files owned by ids it does not map), or one
     * whose range no longer holds the owner of its root directory (the range was changed, or the
     * files shifted back, after the shift). The root's owner stands for the tree: the shift moved
     * them all, and the guest cannot give its root an owner outside its range.
     */
    static void check(GuestConfig cfg) throws IOException, ConfigException {
        UsernsConfig u = cfg.userns();
        if (!u.shifted()) return;
        Path marker = cfg.cfgdir().resolve(UsernsFiles.SHIFTED);
        String root = StartPlanner.rootPath(cfg);
        String back = "`chxid -c 0 -R -x " + root + "`, then remove " + marker;
        if (u.disabled())
            throw new ConfigException(cfg.cfgdir().resolve(UsernsFiles.DISABLED), "the guest's files were shifted to host ids of its range ("
                    + marker + "): without a user namespace its root would find them owned by others; remove "
                    + UsernsFiles.DISABLED + ", or shift the files back with " + back);
        UserNamespace userns = UserNamespace.of(cfg).orElseThrow();
        long uid = Integer.toUnsignedLong((Integer) Files.getAttribute(Path.of(root), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        long gid = Integer.toUnsignedLong((Integer) Files.getAttribute(Path.of(root), "unix:gid", LinkOption.NOFOLLOW_LINKS));
        if (userns.uid().contains(uid) && userns.gid().contains(gid)) return;
        String owner = root + " is owned by host uid " + uid + ", gid " + gid;
        if (uid < IdRange.FIRST_GUEST_HOST_ID && gid < IdRange.FIRST_GUEST_HOST_ID)
            throw new ConfigException(marker, owner + ": the files look shifted back to the host's ids; remove " + marker
                    + " (the root is then idmapped again, which its filesystem may refuse)");
        throw new ConfigException(marker, owner + ", outside the guest's range (host uids " + userns.uid().span() + ", gids "
                + userns.gid().span() + "): the range changed after its files were shifted (userns/shifted). Put back the range"
                + " they were shifted to in userns/uidmap and userns/gidmap, or, with that range back, shift them to the host with "
                + back + " before changing it");
    }
}
