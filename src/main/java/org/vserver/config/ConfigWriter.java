package org.vserver.config;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * Writes a new guest's configuration directory for {@code build} (reference §7.1): {@code name},
 * {@code context}, {@code uts/nodename}, {@code apps/init/style}, {@code fstab},
 * {@code interfaces/NN/} and the {@code vdir} link. Every value is checked with the parser
 * {@link ConfigDir#read} uses, so what build writes, start can read. Files end with '\n'.
 */
public final class ConfigWriter {
    private ConfigWriter() {}

    /**
     * What build knows about a new guest.
     *
     * @param name       the guest (directory) name
     * @param context    static XID; empty = none (dynamic)
     * @param nodename   {@code uts/nodename}; null = none
     * @param initStyle  {@code apps/init/style}; null = none (sysv)
     * @param fstab      the {@code fstab} lines (usually {@code .defaults/fstab})
     * @param interfaces the {@code --interface} arguments, parsed, in order
     * @param vdir       the guest root the {@code vdir} link points at
     */
    public record NewGuest(String name, OptionalInt context, String nodename, String initStyle, List<String> fstab,
                           List<InterfaceSpec> interfaces, Path vdir) {
        public NewGuest {
            Objects.requireNonNull(name);
            Objects.requireNonNull(vdir);
            fstab = List.copyOf(fstab);
            interfaces = List.copyOf(interfaces);
        }
    }

    /**
     * Creates confdir/NAME. It is written under a hidden temporary name and renamed into place at
     * the end, so a failure leaves no half-written guest behind.
     *
     * @return the new cfgdir
     * @throws ConfigException if a value is invalid or the guest's configuration already exists
     */
    public static Path create(ConfigRoot root, NewGuest g) throws ConfigException, IOException {
        Path cfgdir = root.guestDir(g.name());
        if (Files.exists(cfgdir)) throw new ConfigException(cfgdir, "guest configuration already exists");
        Files.createDirectories(root.confdir());
        Path tmp = Files.createTempDirectory(root.confdir(), "." + g.name() + ".new-");
        try {
            write(tmp, cfgdir, g);
            if (Files.exists(cfgdir)) throw new ConfigException(cfgdir, "guest configuration already exists");
            Files.move(tmp, cfgdir, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            throw new ConfigException(cfgdir, "guest configuration already exists");
        } finally {
            if (Files.exists(tmp)) deleteTree(tmp);
        }
        return cfgdir;
    }

    private static void write(Path dir, Path cfgdir, NewGuest g) throws ConfigException, IOException {
        // check first, against the paths the files will have, so a message names the real file
        String context = g.context().isPresent() ? Integer.toString(g.context().getAsInt()) : null;
        if (context != null) ConfigDir.context(ConfigFiles.Content.of(cfgdir.resolve("context"), context));
        if (g.nodename() != null) ConfigDir.nodename(ConfigFiles.Content.of(cfgdir.resolve("uts/nodename"), g.nodename()));
        if (g.initStyle() != null) InitDir.style(ConfigFiles.Content.of(cfgdir.resolve("apps/init/style"), g.initStyle()));
        String fstab = ConfigFiles.lines(g.fstab());
        Fstab.parse(ConfigFiles.Content.of(cfgdir.resolve("fstab"), fstab));

        // the directory is 0700 as created; a cfgdir is readable like the rest of /etc
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        scalar(dir, "name", g.name());
        if (context != null) scalar(dir, "context", context);
        if (g.nodename() != null) scalar(dir, "uts/nodename", g.nodename());
        if (g.initStyle() != null) scalar(dir, "apps/init/style", g.initStyle());
        ConfigFiles.writeAtomically(dir.resolve("fstab"), fstab);
        interfaces(dir, g.interfaces());
        ConfigFiles.symlinkAtomically(dir.resolve("vdir"), g.vdir());
    }

    /** {@code interfaces/00/}, {@code 01/}, ...: two digits so that name order is creation order. */
    public static void interfaces(Path cfgdir, List<InterfaceSpec> specs) throws IOException {
        for (int i = 0; i < specs.size(); i++) {
            InterfaceSpec s = specs.get(i);
            String d = "interfaces/" + String.format("%02d", i) + "/";
            scalar(cfgdir, d + "ip", s.ip());
            if (s.dev() != null) scalar(cfgdir, d + "dev", s.dev());
            if (s.nodev()) scalar(cfgdir, d + "nodev", "");
            if (s.prefix() != null) scalar(cfgdir, d + "prefix", s.prefix().toString());
            if (s.name() != null) scalar(cfgdir, d + "name", s.name());
        }
    }

    /** Writes {@code value} as the one line of cfgdir/rel (an empty value writes an empty file: a flag). */
    public static void scalar(Path cfgdir, String rel, String value) throws IOException {
        if (value.contains("\n")) throw new IllegalArgumentException(rel + ": a scalar is one line");
        ConfigFiles.writeAtomically(cfgdir.resolve(rel), value.isEmpty() ? "" : value + "\n");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
