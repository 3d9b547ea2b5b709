package org.vserver.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import org.vserver.config.GuestConfig.Uts;
import org.vserver.state.Xid;

/**
 * Reads a guest's configuration directory ({@code /etc/vservers/NAME/}, util-vserver's layout: one
 * value per file) into a {@link GuestConfig}, checking every value and naming file and line when one
 * is wrong.
 *
 * <p>What falls back to {@code .defaults/}: {@code bcapabilities}, {@code ccapabilities},
 * {@code apps/init/*}, {@code shell}, {@code nice} and {@code console/size}: host-wide policy. What does not: the guest's
 * identity ({@code name}, {@code context}, {@code uts/*}, {@code vdir}, {@code userns/}) and {@code fstab} and
 * {@code interfaces/}, which are per guest by nature ({@code .defaults/fstab} is the template
 * {@code build} copies, not a fallback). {@code rlimits/} falls back per resource to
 * {@code .defaults/rlimits/} and then to built-in defaults ({@link EffectiveLimits}). A file in the guest replaces the {@code .defaults} file;
 * the two are not merged. The exception is {@code apps/vprocunhide/files}: both lists apply, the
 * {@code .defaults} one first, to the secure default ({@link ProcUnhide}), and {@code seccomp/allow}
 * and {@code seccomp/deny}, which apply .defaults' first, then the guest's ({@link SeccompFiles}).
 *
 * <p>UTS: the mainline kernel's UTS namespace holds only the node name and the domain name. The
 * VServer kernel could also make a guest see its own {@code sysname}, {@code release},
 * {@code version} and {@code machine}; mainline cannot, so {@link #read} ignores those files and
 * {@link #unsupportedUts} lists the ones present, for the CLI to warn about once.
 */
public final class ConfigDir {
    private ConfigDir() {}

    /** The kernel's UTS length limit (__NEW_UTS_LEN). */
    static final int MAX_UTS = 64;
    /** uts/ files the VServer kernel virtualized and mainline's UTS namespace cannot. */
    public static final List<String> UNSUPPORTED_UTS = List.of("sysname", "release", "version", "machine");

    /** Reads confdir/NAME. */
    public static GuestConfig read(ConfigRoot root, String name) throws ConfigException {
        Path cfgdir = root.guestDir(name);
        if (!Files.isDirectory(cfgdir)) throw new ConfigException(cfgdir, "no such guest (configuration directory missing)");
        var files = new ConfigFiles(cfgdir, root.defaultsDir());

        // The `name` file is only a label (config get name): the directory name is what run state,
        // cgroups and every tool key a guest by, so a label that differs cannot split one guest in two.
        Optional<ConfigFiles.Content> n = files.guest("name");
        if (n.isPresent()) displayName(n.get());
        Path vdir = vdir(root, cfgdir, name);

        Optional<ConfigFiles.Content> ctx = files.guest("context");
        OptionalInt context = ctx.isPresent() ? OptionalInt.of(context(ctx.get())) : OptionalInt.empty();

        Optional<ConfigFiles.Content> node = files.guest("uts/nodename");
        Optional<ConfigFiles.Content> domain = files.guest("uts/domainname");
        var uts = new Uts(node.isPresent() ? nodename(node.get()) : null,
                domain.isPresent() ? domainname(domain.get()) : null);

        Optional<ConfigFiles.Content> bcaps = files.lookup("bcapabilities");
        Optional<ConfigFiles.Content> ccaps = files.lookup("ccapabilities");
        Optional<ConfigFiles.Content> fstab = files.guest("fstab");
        Optional<ConfigFiles.Content> shell = files.lookup("shell");
        Optional<ConfigFiles.Content> nice = files.lookup("nice");

        List<GuestConfig.InterfaceConfig> interfaces = Interfaces.read(files);
        return new GuestConfig(name, cfgdir, vdir, context, uts,
                bcaps.isPresent() ? Capabilities.bounding(bcaps.get()) : List.of(),
                ccaps.isPresent() ? Capabilities.context(ccaps.get()) : List.of(),
                fstab.isPresent() ? Fstab.parse(fstab.get()) : List.of(),
                InitDir.read(files),
                shell.isPresent() ? shell(shell.get()) : List.of(),
                nice.isPresent() ? OptionalInt.of(nice(nice.get())) : OptionalInt.empty(),
                interfaces,
                ResourceDir.readGuest(files),
                ProcUnhide.read(files),
                SeccompFiles.read(files),
                Interfaces.network(files, interfaces),
                ConsoleConfig.read(files),
                UsernsFiles.read(files));
    }

    /**
     * {@code cflags} (or the legacy {@code flags}) of guest NAME as written, lower case; checked
     * against the names of reference §4.5. Only the scheduler's take effect (vsched's).
     */
    public static List<String> contextFlags(ConfigRoot root, String name) throws ConfigException {
        var files = new ConfigFiles(root.guestDir(name), root.defaultsDir());
        Optional<ConfigFiles.Content> c = files.guest("cflags");
        if (c.isEmpty()) c = files.guest("flags");
        return c.isPresent() ? SchedFiles.cflags(c.get()) : List.of();
    }

    /**
     * The guest root: the target of {@code cfgdir/vdir} (relative targets are relative to the
     * cfgdir, as for any symlink), or {@code cfgdir/vdir} itself if it is a real directory, else
     * {@code vdirbase/NAME}.
     */
    static Path vdir(ConfigRoot root, Path cfgdir, String name) throws ConfigException {
        Path link = cfgdir.resolve("vdir");
        if (Files.isSymbolicLink(link)) {
            try {
                return cfgdir.resolve(Files.readSymbolicLink(link)).normalize();
            } catch (IOException e) {
                throw ConfigFiles.ioError(link, e);
            }
        }
        if (Files.isDirectory(link)) return link;
        return root.vdirBase().resolve(name);
    }

    /**
     * The {@code uts/} files present that the mainline kernel cannot virtualize (sysname, release,
     * version, machine); empty if none.
     */
    public static List<Path> unsupportedUts(Path cfgdir) {
        var out = new ArrayList<Path>();
        for (String f : UNSUPPORTED_UTS) {
            Path p = cfgdir.resolve("uts").resolve(f);
            if (Files.exists(p)) out.add(p);
        }
        return out;
    }

    /** The guest's {@code context} file alone (tools that look a guest up by number read nothing else). */
    public static OptionalInt staticContext(ConfigRoot root, String name) throws ConfigException {
        Optional<ConfigFiles.Content> ctx = new ConfigFiles(root.guestDir(name), root.defaultsDir()).guest("context");
        return ctx.isPresent() ? OptionalInt.of(context(ctx.get())) : OptionalInt.empty();
    }

    static String displayName(ConfigFiles.Content c) throws ConfigException { return c.nonEmptyScalar().text(); }

    /**
     * A guest's context number: static or dynamic alike (util-vserver allows up to 65535 when
     * dynamic contexts are compiled out, and there is no kernel range here), never the host's or
     * the spectator's.
     */
    static int context(ConfigFiles.Content c) throws ConfigException {
        ConfigFiles.Line l = c.nonEmptyScalar();
        try {
            return Xid.parseGuest(l.text());
        } catch (IllegalArgumentException e) {
            throw l.error(e.getMessage());
        }
    }

    static String nodename(ConfigFiles.Content c) throws ConfigException {
        ConfigFiles.Line l = c.nonEmptyScalar();
        if (l.text().length() > MAX_UTS) throw l.error("nodename longer than " + MAX_UTS + " characters");
        if (!l.text().matches("[A-Za-z0-9][A-Za-z0-9._-]*"))
            throw l.error("invalid nodename '" + l.text() + "' (letters, digits, '-', '.', '_')");
        return l.text();
    }

    /** NIS domain names are less constrained than host names: any printable word. */
    static String domainname(ConfigFiles.Content c) throws ConfigException {
        ConfigFiles.Line l = c.nonEmptyScalar();
        if (l.text().length() > MAX_UTS) throw l.error("domainname longer than " + MAX_UTS + " characters");
        if (!l.text().matches("\\p{Graph}+")) throw l.error("invalid domainname '" + l.text() + "' (no spaces or control characters)");
        return l.text();
    }

    /** The first line split on whitespace: {@code /bin/bash -l}. */
    static List<String> shell(ConfigFiles.Content c) {
        String s = c.scalar().text();
        return s.isEmpty() ? List.of() : List.of(s.split("\\s+"));
    }

    static int nice(ConfigFiles.Content c) throws ConfigException {
        ConfigFiles.Line l = c.nonEmptyScalar();
        int n = l.text().matches("[-+]?\\d{1,3}") ? Integer.parseInt(l.text()) : Integer.MIN_VALUE;
        if (n < -20 || n > 19) throw l.error("invalid nice '" + l.text() + "': expected a number -20..19");
        return n;
    }
}
