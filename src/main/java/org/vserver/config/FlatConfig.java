package org.vserver.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.vserver.config.FlatKey.Kind;

/**
 * A guest's configuration as flat keys, for {@code vserver NAME config show [--json] | get KEY |
 * set KEY VALUE | unset KEY}: the same files util-vserver uses, under names that are easier to
 * discover than a directory tree.
 *
 * <p>Keys: the known ones ({@code context}, {@code uts.nodename}, {@code init.style} for
 * {@code apps/init/style}, {@code interfaces.00.ip}, ...; see {@link FlatKey}) and, for every other
 * file, its relative path with '/' written '.' ({@code sched.fill-rate} is {@code sched/fill-rate}):
 * util-vserver's layout is open-ended, and later features should not need a new key here. Where a
 * file name itself contains dots, the key is resolved against the files present; the path itself
 * ({@code rlimits/nproc.soft}) is always accepted as a key too.
 *
 * <p>This shows and changes the guest's own files only; what a guest inherits from
 * {@code .defaults} is not shown, since {@code set} and {@code unset} could not change it here.
 * Values are shown as written, not normalized, so a broken file can still be looked at.
 */
public final class FlatConfig {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** More dots than this in a generic key and only the all-slashes reading is tried (2^n readings). */
    private static final int MAX_DOTS = 10;

    private final Path cfgdir;

    private FlatConfig(Path cfgdir) { this.cfgdir = cfgdir; }

    /** The flat view of confdir/NAME, which must exist. */
    public static FlatConfig open(ConfigRoot root, String name) throws ConfigException {
        Path cfgdir = root.guestDir(name);
        if (!Files.isDirectory(cfgdir)) throw new ConfigException(cfgdir, "no such guest (configuration directory missing)");
        return new FlatConfig(cfgdir);
    }

    public Path cfgdir() { return cfgdir; }

    /** The file behind {@code key} (which need not exist yet). */
    public Path file(String key) throws ConfigException { return cfgdir.resolve(resolve(key).path()); }

    // ---- reading

    /** Every key present, sorted, with its value as {@link #get} prints it. */
    public SortedMap<String, String> show() throws ConfigException {
        var out = new TreeMap<String, String>();
        for (FlatKey k : present()) out.put(k.key(), text(k));
        return out;
    }

    /** {@code key = value} lines, sorted; the lines after the first of a multi-line value are indented under it. */
    public String showText() throws ConfigException {
        var sb = new StringBuilder();
        for (var e : show().entrySet()) {
            String indent = " ".repeat(e.getKey().length() + 3);
            sb.append(e.getKey()).append(" = ").append(e.getValue().replace("\n", "\n" + indent)).append('\n');
        }
        return sb.toString();
    }

    /** A JSON object of every key present: lists as arrays, flags as true, numeric keys as numbers. */
    public String showJson() throws ConfigException {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        for (FlatKey k : present()) root.set(k.key(), json(k));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);   // a tree of strings and numbers always serializes
        }
    }

    /** The value of {@code key} as text; empty if the file is absent. */
    public Optional<String> get(String key) throws ConfigException {
        FlatKey k = resolve(key);
        Path f = cfgdir.resolve(k.path());
        if (!exists(f)) return Optional.empty();
        if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS))
            throw new ConfigException(f, "'" + key + "' is a directory, not a setting");
        return Optional.of(text(k));
    }

    // ---- writing

    /**
     * Sets {@code key}. The value is checked by the parser {@link ConfigDir#read} uses, against the
     * real file name, before anything is written; the file is then replaced in one rename. So a bad
     * value is refused and leaves the old file as it was.
     *
     * <p>How values are written: a comma list for {@code bcapabilities}/{@code ccapabilities}; words
     * for {@code init.cmd.*} and {@code init.environment} (one per line; a value containing newlines
     * is taken line by line instead); {@code true}/{@code false} for flags; several lines for
     * {@code fstab}; one line for everything else.
     */
    public void set(String key, String value) throws ConfigException, IOException {
        FlatKey k = resolve(key);
        Path f = cfgdir.resolve(k.path());
        // a file vserver never reads is refused, so that a typo is not a silent no-op; one that exists
        // already (util-vserver's, another tool's) may be changed as it is
        if (FlatKey.byPath(k.path()).isEmpty() && !exists(f) && !k.path().startsWith("sched/") && !k.path().startsWith("dlimits/"))
            throw new ConfigException(f, "unknown setting '" + key + "': vserver reads no such file; known keys: " + FlatKey.knownKeys());
        if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS))
            throw new ConfigException(f, "'" + key + "' is a directory, not a setting");
        requireInterfaceIp(k, f);
        switch (k.kind()) {
            case FLAG -> {
                if (bool(f, value)) {
                    if (!exists(f)) ConfigFiles.writeAtomically(f, "");
                } else {
                    remove(f);
                }
            }
            case LINK -> {
                if (!value.startsWith("/")) throw new ConfigException(f, "'" + key + "' must be an absolute path, got '" + value + "'");
                ConfigFiles.symlinkAtomically(f, Path.of(value).normalize());
            }
            default -> {
                String text = fileText(k, f, value);
                k.check().check(ConfigFiles.Content.of(f, text));
                ConfigFiles.writeAtomically(f, text);
            }
        }
    }

    /** Removes {@code key}'s file (and directories left empty by that); false if it was absent. */
    public boolean unset(String key) throws ConfigException, IOException {
        FlatKey k = resolve(key);
        Path f = cfgdir.resolve(k.path());
        if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS))
            throw new ConfigException(f, "'" + key + "' is a directory, not a setting");
        if (k.interfaceId() != null && k.path().endsWith("/ip") && exists(f)) {
            try (Stream<Path> s = Files.list(f.getParent())) {
                List<String> others = s.map(p -> p.getFileName().toString())
                        .filter(n -> !n.equals("ip") && !n.startsWith(".")).sorted().toList();
                if (!others.isEmpty())
                    throw new ConfigException(f.getParent(), "the interface still has " + String.join(", ", others)
                            + ": unset those first (an interface without 'ip' is invalid)");
            }
        }
        return remove(f);
    }

    // ---- keys

    /** A key to its file: a known key, a literal relative path, or a dotted path (see the class comment). */
    FlatKey resolve(String key) throws ConfigException {
        if (key == null || key.isBlank()) throw badKey(key, "empty key");
        if (key.contains("/")) {
            checkSegments(key, Arrays.asList(key.split("/", -1)));
            return checkNoLinkedParent(key, FlatKey.byPath(key).orElse(FlatKey.generic(key, key)));
        }
        Optional<FlatKey> known = FlatKey.known(key);
        if (known.isPresent()) return checkNoLinkedParent(key, known.get());
        List<String> segs = Arrays.asList(key.split("\\.", -1));
        checkSegments(key, segs);
        String path = dottedPath(segs);
        return checkNoLinkedParent(key, FlatKey.byPath(path).orElse(FlatKey.generic(key, path)));
    }

    /**
     * Each '.' of a generic key is either '/' or a dot in a file name. An existing file decides;
     * otherwise the reading whose parent directory exists (deepest first); otherwise all '/', the
     * rule for keys of new directories. Readings that run through an existing file are never taken.
     */
    private String dottedPath(List<String> segs) {
        int dots = segs.size() - 1;
        if (dots > MAX_DOTS) return String.join("/", segs);
        var readings = new ArrayList<String>();
        for (int mask = 0; mask < (1 << dots); mask++) {
            var sb = new StringBuilder(segs.getFirst());
            for (int i = 0; i < dots; i++) sb.append((mask & (1 << i)) != 0 ? '/' : '.').append(segs.get(i + 1));
            readings.add(sb.toString());
        }
        // most slashes first; ties by text, so the choice does not depend on enumeration order
        readings.sort(Comparator.comparingLong((String r) -> -r.chars().filter(c -> c == '/').count()).thenComparing(r -> r));
        List<String> possible = readings.stream().filter(this::noFileAncestor).toList();
        for (String r : possible) {
            Path p = cfgdir.resolve(r);
            if (exists(p) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) return r;
        }
        for (String r : possible) {
            Path parent = cfgdir.resolve(r).getParent();
            if (!parent.equals(cfgdir) && Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) return r;
        }
        return possible.isEmpty() ? readings.getFirst() : possible.getFirst();
    }

    /**
     * False if some directory component of {@code rel} is an existing file. A symlink is kept as a
     * possible reading, so that a key leading through one is refused rather than quietly read
     * another way.
     */
    private boolean noFileAncestor(String rel) {
        Path p = cfgdir.resolve(rel).getParent();
        for (; !p.equals(cfgdir); p = p.getParent())
            if (exists(p) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(p)) return false;
        return true;
    }

    /**
     * Refuses a path whose directories include a symlink: {@code vdir} leads into the guest root,
     * which the guest controls, and {@code config} must never read or write there.
     */
    private FlatKey checkNoLinkedParent(String key, FlatKey k) throws ConfigException {
        Path p = cfgdir.resolve(k.path()).getParent();
        for (; !p.equals(cfgdir); p = p.getParent())
            if (Files.isSymbolicLink(p)) throw badKey(key, "'" + cfgdir.relativize(p) + "' is a symlink; keys do not go through links");
        return k;
    }

    private void checkSegments(String key, List<String> segs) throws ConfigException {
        for (String s : segs) {
            if (s.isEmpty()) throw badKey(key, "empty component");
            if (s.startsWith(".")) throw badKey(key, "components must not start with '.'");
        }
    }

    private ConfigException badKey(String key, String why) {
        return new ConfigException(cfgdir, "invalid key '" + key + "': " + why);
    }

    /** The keys of every file present (symlinks included), each resolving back to its file. */
    private List<FlatKey> present() throws ConfigException {
        var out = new ArrayList<FlatKey>();
        try (Stream<Path> s = Files.walk(cfgdir)) {
            for (Path p : s.filter(p -> !p.equals(cfgdir)).toList()) {
                String rel = cfgdir.relativize(p).toString();
                if (Arrays.stream(rel.split("/")).anyMatch(seg -> seg.startsWith("."))) continue;
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) continue;
                out.add(keyFor(rel));
            }
        } catch (IOException | UncheckedIOException e) {
            throw ConfigFiles.ioError(cfgdir, e instanceof UncheckedIOException u ? u.getCause() : (IOException) e);
        }
        out.sort(Comparator.comparing(FlatKey::key));
        return out;
    }

    /** The flat key of a file; its path if the dotted form would lead elsewhere. */
    private FlatKey keyFor(String rel) throws ConfigException {
        Optional<FlatKey> known = FlatKey.byPath(rel);
        if (known.isPresent()) return known.get();
        String dotted = rel.replace('/', '.');
        try {
            if (resolve(dotted).path().equals(rel)) return FlatKey.generic(dotted, rel);
        } catch (ConfigException e) {
            // not expressible with dots (e.g. a component starting with '.'): use the path
        }
        return FlatKey.generic(rel, rel);
    }

    // ---- values

    /** The value as text: what {@code get} prints and {@code show} puts after '='. */
    private String text(FlatKey k) throws ConfigException {
        Path f = cfgdir.resolve(k.path());
        if (isLinkValue(k, f)) return linkTarget(f);
        if (k.kind() == Kind.FLAG) return "true";
        ConfigFiles.Content c = ConfigFiles.read(f).orElseThrow();
        return switch (k.kind()) {
            case SCALAR, NUMBER, WORDLINE -> c.scalar().text();
            case LIST -> String.join(",", texts(c.items()));
            case ARGV, WORDS, HASH -> String.join(" ", texts(c.items()));
            case TEXT -> String.join("\n", trimTrailingBlank(c.lines()));
            default -> {
                List<String> lines = trimTrailingBlank(c.lines());
                yield lines.isEmpty() ? "true" : String.join("\n", lines);
            }
        };
    }

    private JsonNode json(FlatKey k) throws ConfigException {
        var nf = JsonNodeFactory.instance;
        Path f = cfgdir.resolve(k.path());
        if (isLinkValue(k, f)) return nf.textNode(linkTarget(f));
        if (k.kind() == Kind.FLAG) return nf.booleanNode(true);
        ConfigFiles.Content c = ConfigFiles.read(f).orElseThrow();
        switch (k.kind()) {
            case SCALAR: return nf.textNode(c.scalar().text());
            case NUMBER: return number(c.scalar().text());
            case WORDLINE: return strings(words(c.scalar().text()));
            case LIST, ARGV, TEXT: return strings(texts(c.items()));
            case WORDS: {
                ArrayNode a = nf.arrayNode();
                for (String t : words(String.join(" ", texts(c.items())))) a.add(number(t));
                return a;
            }
            case HASH: {
                ObjectNode o = nf.objectNode();
                for (String line : texts(c.items())) {
                    int eq = line.indexOf('=');
                    if (eq < 0) o.putNull(line);
                    else o.put(line.substring(0, eq), line.substring(eq + 1));
                }
                return o;
            }
            default: {
                List<String> lines = trimTrailingBlank(c.lines());
                if (lines.isEmpty()) return nf.booleanNode(true);
                if (lines.size() == 1) return nf.textNode(lines.getFirst().strip());
                return strings(lines);
            }
        }
    }

    /** What {@code set} writes for {@code value}, always ending in '\n' unless empty. */
    private static String fileText(FlatKey k, Path f, String value) throws ConfigException {
        return switch (k.kind()) {
            case SCALAR, NUMBER, WORDLINE -> {
                if (value.contains("\n")) throw new ConfigException(f, "'" + k.key() + "' takes one line");
                yield value.strip() + "\n";
            }
            case LIST -> ConfigFiles.lines(Arrays.stream(value.split("[,\n]")).map(String::strip).filter(s -> !s.isEmpty()).toList());
            case ARGV, HASH -> ConfigFiles.lines(value.contains("\n")
                    ? value.lines().filter(s -> !s.isBlank()).toList() : words(value));
            case WORDS -> String.join(" ", words(value)) + "\n";
            default -> value.isEmpty() || value.endsWith("\n") ? value : value + "\n";
        };
    }

    /**
     * A FLAG's value: true/yes/on/1 or false/no/off/0. util-vserver only checks existence, so
     * "false" cannot mean an existing file: it removes it.
     */
    private static boolean bool(Path f, String value) throws ConfigException {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new ConfigException(f, "expected true or false, got '" + value + "'");
        };
    }

    /** An interface file other than ip needs the ip: read rejects an interface without one. */
    private static void requireInterfaceIp(FlatKey k, Path f) throws ConfigException {
        String id = k.interfaceId();
        if (id == null || k.path().endsWith("/ip")) return;
        if (!Files.exists(f.resolveSibling("ip")))
            throw new ConfigException(f.getParent(), "interface has no 'ip' file: set interfaces." + id + ".ip first");
    }

    /** Deletes the file (not a link's target) and then the directories it leaves empty, up to the cfgdir. */
    private boolean remove(Path f) throws IOException {
        boolean existed = Files.deleteIfExists(f);
        for (Path d = f.getParent(); existed && !d.equals(cfgdir); d = d.getParent()) {
            try {
                Files.delete(d);
            } catch (DirectoryNotEmptyException e) {
                break;
            }
        }
        return existed;
    }

    /** A link shows as its target when it is the setting (vdir) or leads nowhere readable (run when stopped). */
    private static boolean isLinkValue(FlatKey k, Path f) {
        return Files.isSymbolicLink(f) && (k.kind() == Kind.LINK || !Files.isRegularFile(f));
    }

    private static String linkTarget(Path f) throws ConfigException {
        try {
            return Files.readSymbolicLink(f).toString();
        } catch (IOException e) {
            throw ConfigFiles.ioError(f, e);
        }
    }

    private static boolean exists(Path p) { return Files.exists(p, LinkOption.NOFOLLOW_LINKS); }

    private static List<String> texts(List<ConfigFiles.Line> lines) { return lines.stream().map(ConfigFiles.Line::text).toList(); }

    private static List<String> words(String s) { return s.isBlank() ? List.of() : List.of(s.strip().split("\\s+")); }

    private static List<String> trimTrailingBlank(List<String> lines) {
        int n = lines.size();
        while (n > 0 && lines.get(n - 1).isBlank()) n--;
        return lines.subList(0, n);
    }

    private static JsonNode number(String s) {
        var nf = JsonNodeFactory.instance;
        if (s.matches("[-+]?\\d{1,18}")) return nf.numberNode(Long.parseLong(s));
        return nf.textNode(s);
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        values.forEach(a::add);
        return a;
    }
}
