package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.vserver.config.ConfigException;
import org.vserver.config.ConfigRoot;
import org.vserver.config.ConfigWriter;
import org.vserver.config.UsernsAllocator;
import org.vserver.config.InterfaceSpec;
import org.vserver.config.XidAllocator;
import org.vserver.fs.BuildException;
import org.vserver.fs.BuildMethod;
import org.vserver.fs.BuildMethods;
import org.vserver.fs.BuildRequest;
import org.vserver.fs.BuildResult;
import org.vserver.fs.InitSystem;
import org.vserver.context.InitStyle;
import org.vserver.fs.CloneMethod;
import org.vserver.fs.Barrier;
import org.vserver.fs.SearchPath;
import org.vserver.storage.GuestStorage;
import org.vserver.storage.StorageLayout;

/**
 * {@code vserver NAME build -m METHOD [options] -- METHOD-ARGS}: the guest root by one of the
 * build methods, then its configuration directory. A failed build removes what it made.
 */
public final class GuestBuild {

    /**
     * @param method     build method, null = the no-download default ({@code host})
     * @param context    {@code --context}; empty = the next of {@code .defaults/context.next}
     * @param interfaces {@code --interface} arguments
     * @param force      replace an existing (stopped) guest
     */
    public record Options(String method, OptionalInt context, String hostname, List<String> interfaces,
                          String initStyle, boolean force, List<String> methodArgs) {}

    private final Guests guests;
    private final Vserver vs;

    public GuestBuild(Guests guests) {
        this.guests = guests;
        this.vs = guests.vserver();
    }

    public void build(String name, Options o, Consumer<String> progress)
            throws IOException, ConfigException, BuildException {
        ConfigRoot root = vs.config();
        root.checkName(name);
        List<InterfaceSpec> ifaces = new ArrayList<>();
        for (String i : o.interfaces()) {
            try {
                ifaces.add(InterfaceSpec.parse(i));
            } catch (IllegalArgumentException e) {
                throw new BuildException(o.method() == null ? BuildMethods.DEFAULT : o.method(), "--interface: " + e.getMessage());
            }
        }
        List<String> args = new ArrayList<>(o.methodArgs());
        List<String> sourceFstab = resolveCloneSource(o.method(), args);
        BuildMethod method = BuildMethods.parse(o.method(), args, SearchPath.fromEnvironment(vs.env()));    // usage errors before anything is made
        // A clone's source must hold still while it is copied (CloneSource); a name was replaced by its vdir above.
        Path cloneSource = method instanceof CloneMethod c ? c.source() : null;
        Path cfgdir = root.guestDir(name);
        Path vdir = root.vdirBase().resolve(name);
        // VServer's barrier: vdirbase is made mode 000, and no build goes into a tree host users can
        // reach (checked before --force deletes the guest it would replace)
        Barrier.create(vdir.getParent());
        Barrier.check(vdir, root.vdirBase());
        OptionalInt previous = OptionalInt.empty();
        if (Files.exists(cfgdir) || Files.exists(vdir)) {
            if (!o.force())
                throw new ConfigException(Files.exists(cfgdir) ? cfgdir : vdir,
                        "guest '" + name + "' already exists: use --force to replace it, or `vserver " + name + " delete`");
            if (Files.isDirectory(cfgdir)) previous = guests.config(name).context();   // a rebuild keeps its XID
            new GuestDelete(guests).delete(name, false);
        }
        boolean allocated = o.context().isEmpty() && previous.isEmpty();
        int xid = o.context().isPresent() ? o.context().getAsInt()
                : previous.isPresent() ? previous.getAsInt() : new XidAllocator().next(root);
        try (Undo undo = new Undo(vs.err())) {
            if (allocated) undo.add(() -> new XidAllocator().giveBack(root, xid));      // a failed build uses up no XID
            undo.add(() -> GuestDelete.removeTree(vdir));
            BuildResult r;
            var req = new BuildRequest(name, vdir, o.hostname(), args, null, progress, vs.sys(), vs.proc());
            Optional<GuestStorage.Layered> layered = cloneSource == null ? Optional.empty() : LayeredClone.source(cloneSource);
            if (layered.isPresent()) {
                // A unified source: the clone shares its lower tree; its own name goes into its private layer.
                StorageLayout to = StorageLayout.of(vdir);
                undo.add(() -> GuestDelete.removeStorage(vs, to));
                GuestStorage.Layered mine;
                try (CloneSource _ = CloneSource.hold(guests, cloneSource, progress)) {
                    mine = new LayeredClone(vs).create(layered.get(), to, progress);
                }
                try (StorageView _ = StorageView.mount(vs, mine)) {
                    r = ((CloneMethod) method).personalize(req);
                }
            } else {
                try (CloneSource _ = cloneSource == null ? null : CloneSource.hold(guests, cloneSource, progress)) {
                    r = method.build(req);
                }
            }
            List<String> fstab = !r.fstab().isEmpty() ? r.fstab() : sourceFstab != null ? sourceFstab : BuildResult.DEFAULT_FSTAB;
            // a tree whose /sbin/init is systemd boots as systemd (its Container Interface), whatever the method guessed
            String style = o.initStyle() != null ? o.initStyle() : InitSystem.isSystemd(vdir) ? InitStyle.SYSTEMD : r.initStyle();
            ConfigWriter.create(root, new ConfigWriter.NewGuest(name, OptionalInt.of(xid),
                    o.hostname() != null ? o.hostname() : name, style, fstab, ifaces, vdir));
            undo.add(() -> GuestDelete.removeTree(cfgdir));
            // Its own ids from the start: the ranges are part of the guest's configuration.
            var ids = new UsernsAllocator(vs.subids()).allocate(root, name);
            for (String m : ids.messages()) vs.err().println("vserver: " + m);
            for (String w : ids.warnings()) vs.err().println("vserver: warning: " + w);
            // A filesystem that refuses an idmapped root: the files are shifted to the range now, once.
            new ShiftedRoot(vs).shiftIfRefused(guests.config(name));
            if (layered.isPresent()) new LayeredClone(vs).shiftToOwnRange(guests.config(name));
            undo.commit();
        }
    }

    /**
     * {@code clone --source NAME}: util-vserver takes a guest's name as well as a directory. A name
     * becomes that guest's root, and its fstab is copied (a host-method guest needs its /usr line).
     */
    private List<String> resolveCloneSource(String method, List<String> args) throws ConfigException, IOException {
        if (!"clone".equals(method)) return null;
        int i = args.indexOf("--source");
        if (i < 0) i = args.indexOf("-s");
        if (i < 0 || i + 1 >= args.size()) return null;
        String src = args.get(i + 1);
        if (src.contains("/") || !ConfigRoot.isValidName(src) || !Files.isDirectory(vs.config().guestDir(src))) return null;
        var cfg = guests.config(src);
        args.set(i + 1, cfg.vdir().toString());
        Path fstab = cfg.cfgdir().resolve("fstab");
        return Files.exists(fstab) ? Files.readAllLines(fstab) : null;
    }
}
