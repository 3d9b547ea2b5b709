package org.vserver.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The configuration root, {@code /etc/vservers} unless {@code --confdir} or {@code VSERVER_CONFDIR}
 * says otherwise (tests point it at a temporary directory). Every other configuration path is
 * derived from here.
 *
 * @param confdir absolute, normalized
 */
public record ConfigRoot(Path confdir) {
    public static final Path DEFAULT_CONFDIR = Path.of("/etc/vservers");
    public static final Path DEFAULT_VDIRBASE = Path.of("/vservers");
    /** util-vserver's cachebase: per-guest caches (vserver.md §2); vserver keeps compiled start plans there. */
    public static final Path DEFAULT_CACHEBASE = Path.of("/var/cache/vservers");
    /** Where the guests' console logs are kept, one directory each (ours; util-vserver had none). */
    public static final Path DEFAULT_LOGBASE = Path.of("/var/log/vservers");
    /** A guest's console log in its directory of the log base. */
    public static final String CONSOLE_LOG = "console.log";
    public static final String DEFAULT_CGROUP_PARENT = "vservers";
    public static final String CONFDIR_ENV = "VSERVER_CONFDIR";

    /** Guest names become directory, cgroup and lock-file names: keep them to a portable set. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public ConfigRoot {
        confdir = confdir.toAbsolutePath().normalize();
    }

    /**
     * {@code --confdir} if given, else {@code $VSERVER_CONFDIR} if set and not empty, else
     * /etc/vservers. The environment is the caller's (the composition root reads it).
     */
    public static ConfigRoot fromEnvironment(Optional<Path> confdirOption, Map<String, String> env) {
        if (confdirOption.isPresent()) return new ConfigRoot(confdirOption.get());
        String e = env.get(CONFDIR_ENV);
        return new ConfigRoot(e != null && !e.isBlank() ? Path.of(e) : DEFAULT_CONFDIR);
    }

    /** True if {@code name} is a valid guest name: {@code [A-Za-z0-9][A-Za-z0-9._-]{0,63}}. */
    public static boolean isValidName(String name) { return name != null && NAME.matcher(name).matches(); }

    /** Throws unless {@code name} is a valid guest name. */
    public void checkName(String name) throws ConfigException {
        if (!isValidName(name))
            throw new ConfigException(confdir, "invalid guest name '" + name
                    + "': use 1 to 64 of A-Z a-z 0-9 . _ - , starting with a letter or digit");
    }

    public Path defaultsDir() { return confdir.resolve(".defaults"); }

    /** confdir/NAME, after checking the name (which also keeps it from escaping confdir). */
    public Path guestDir(String name) throws ConfigException {
        checkName(name);
        return confdir.resolve(name);
    }

    /**
     * Where guest roots live by default: the target of the {@code .defaults/vdirbase} link (or the
     * first line of a plain file there, or the directory itself), else /vservers.
     */
    public Path vdirBase() throws ConfigException {
        Path p = defaultsDir().resolve("vdirbase");
        try {
            if (Files.isSymbolicLink(p)) return defaultsDir().resolve(Files.readSymbolicLink(p)).normalize();
        } catch (IOException e) {
            throw ConfigFiles.ioError(p, e);
        }
        if (Files.isDirectory(p)) return p;
        Optional<ConfigFiles.Content> c = ConfigFiles.read(p);
        if (c.isEmpty()) return DEFAULT_VDIRBASE;
        ConfigFiles.Line l = c.get().nonEmptyScalar();
        if (!l.text().startsWith("/")) throw l.error("vdirbase must be an absolute path, got '" + l.text() + "'");
        return Path.of(l.text()).normalize();
    }

    /**
     * Where per-guest caches live (util-vserver's {@code .defaults/cachebase}): the target of that
     * link, or the directory itself, else /var/cache/vservers. A plain file is not read: bin/vserver
     * finds a cached plan through the path alone, without a process to read it.
     */
    public Path cacheBase() { return defaultsLink("cachebase", DEFAULT_CACHEBASE); }

    /** {@code .defaults/NAME}: the target of that link, or the directory itself, else {@code dflt}. */
    private Path defaultsLink(String name, Path dflt) {
        Path p = defaultsDir().resolve(name);
        try {
            if (Files.isSymbolicLink(p)) return defaultsDir().resolve(Files.readSymbolicLink(p)).normalize();
        } catch (IOException e) {
            return dflt;
        }
        return Files.isDirectory(p) ? p : dflt;
    }

    /**
     * Where each guest's console log is kept, {@code LOGBASE/NAME/console.log}: the target of the
     * {@code .defaults/logbase} link, or the directory itself, else /var/log/vservers. It outlives
     * the guest's run: the log of a boot that failed is read after it.
     */
    public Path logBase() { return defaultsLink("logbase", DEFAULT_LOGBASE); }

    /**
     * Where the host's lxcfs is mounted, which serves the guests' views ({@link ProcView}): the
     * target of the {@code .defaults/lxcfs} link, else /var/lib/lxcfs (Debian's lxcfs.service's).
     */
    public Path lxcfsDir() { return defaultsLink("lxcfs", DEFAULT_LXCFS); }

    public static final Path DEFAULT_LXCFS = Path.of("/var/lib/lxcfs");

    /** The console log of guest {@code name}; its predecessor is the same path with ".1". */
    public Path consoleLog(String name) { return logBase().resolve(name).resolve(CONSOLE_LOG); }

    /**
     * The guests: directories in confdir whose name is a valid guest name, sorted. Names starting
     * with '.' are util-vserver's own ({@code .defaults}, {@code .distributions}); invalid names
     * include the {@code NAME.~EPOCH~} copies {@code build --force} moves aside.
     */
    public List<String> guestNames() throws ConfigException {
        if (!Files.isDirectory(confdir)) return List.of();
        try (var s = Files.list(confdir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(ConfigRoot::isValidName).sorted().toList();
        } catch (IOException e) {
            throw ConfigFiles.ioError(confdir, e);
        }
    }

    /** The cgroup parent of all guests: first line of {@code .defaults/cgroup/base}, else "vservers". */
    public String cgroupParent() throws ConfigException {
        Optional<ConfigFiles.Content> c = ConfigFiles.read(defaultsDir().resolve("cgroup/base"));
        if (c.isEmpty()) return DEFAULT_CGROUP_PARENT;
        ConfigFiles.Line l = c.get().nonEmptyScalar();
        String base = l.text();
        // relative to each hierarchy's root; ".." would let the setting leave it
        while (base.startsWith("/")) base = base.substring(1);
        for (String seg : base.split("/"))
            if (seg.isEmpty() || seg.equals(".") || seg.equals(".."))
                throw l.error("invalid cgroup base '" + l.text() + "': empty, '.' or '..' component");
        return base;
    }
}
