package org.vserver.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * util-vserver's file conventions, and the lookup order guest → {@code .defaults}.
 *
 * <ul>
 *   <li>scalar: the first line, surrounding whitespace removed (the shell's {@code read} does the same);</li>
 *   <li>list: one item per line; blank lines and lines starting with {@code #} are ignored;</li>
 *   <li>boolean: the file exists (its content does not matter);</li>
 *   <li>hash: {@code VAR=VAL} lines (blank and {@code #} lines ignored).</li>
 * </ul>
 * Every value carries its file and line, so a check that fails can name both.
 */
public final class ConfigFiles {

    /** One line of a configuration file, for messages. {@code number} counts from 1. */
    public record Line(Path file, int number, String text) {
        public ConfigException error(String message) { return new ConfigException(file, number, message); }
    }

    /**
     * The lines of one file: read from disk, or a value about to be written (so {@code config set}
     * can check it with the same parser before the file changes).
     */
    public record Content(Path file, List<String> lines) {
        public Content { lines = List.copyOf(lines); }

        /** The text of a value not yet written: split into lines as the file will hold them. */
        public static Content of(Path file, String text) { return new Content(file, text.lines().toList()); }

        /** Scalar: the first line, stripped; an empty file gives "" at line 1. */
        public Line scalar() {
            return new Line(file, 1, lines.isEmpty() ? "" : lines.getFirst().strip());
        }

        /** A scalar that must not be empty. */
        public Line nonEmptyScalar() throws ConfigException {
            Line l = scalar();
            if (l.text().isEmpty()) throw l.error("empty value");
            return l;
        }

        /** List: one item per line, stripped; blank and {@code #} lines skipped. */
        public List<Line> items() {
            var out = new ArrayList<Line>();
            for (int i = 0; i < lines.size(); i++) {
                String s = lines.get(i).strip();
                if (!s.isEmpty() && !s.startsWith("#")) out.add(new Line(file, i + 1, s));
            }
            return out;
        }

        /** Hash: {@code VAR=VAL} items, in file order; a later VAR replaces an earlier one. */
        public Map<String, String> hash() throws ConfigException {
            var out = new LinkedHashMap<String, String>();
            for (Line l : items()) {
                int eq = l.text().indexOf('=');
                if (eq < 0) throw l.error("expected VAR=VALUE, got '" + l.text() + "'");
                String var = l.text().substring(0, eq);
                if (!VAR.matcher(var).matches()) throw l.error("invalid variable name '" + var + "'");
                out.put(var, l.text().substring(eq + 1));
            }
            return out;
        }
    }

    private static final Pattern VAR = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Path guestDir;
    private final Path defaultsDir;

    public ConfigFiles(Path guestDir, Path defaultsDir) {
        this.guestDir = guestDir;
        this.defaultsDir = defaultsDir;
    }

    public Path guestDir() { return guestDir; }

    public Path defaultsDir() { return defaultsDir; }

    /** The guest's own file {@code rel}, if present. */
    public Optional<Content> guest(String rel) throws ConfigException { return read(guestDir.resolve(rel)); }

    /** {@code rel} from the guest directory, else from {@code .defaults}. */
    public Optional<Content> lookup(String rel) throws ConfigException {
        Optional<Content> c = guest(rel);
        return c.isPresent() ? c : read(defaultsDir.resolve(rel));
    }

    /**
     * The first of {@code rels} the guest has, else the first {@code .defaults} has: a guest's own
     * {@code runlevel} beats {@code .defaults/runlevel.start}, because the guest is more specific.
     */
    public Optional<Content> lookupFirst(String... rels) throws ConfigException {
        for (Path dir : List.of(guestDir, defaultsDir))
            for (String rel : rels) {
                Optional<Content> c = read(dir.resolve(rel));
                if (c.isPresent()) return c;
            }
        return Optional.empty();
    }

    /** Boolean: the guest's file exists. */
    public boolean flag(String rel) { return Files.exists(guestDir.resolve(rel)); }

    /** Names of the subdirectories of the guest's {@code rel}, sorted; empty if it is absent. */
    public List<String> subdirectories(String rel) throws ConfigException {
        Path dir = guestDir.resolve(rel);
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw ioError(dir, e);
        }
    }

    /**
     * Names of the entries (files and directories) in the guest's {@code rel}, sorted, without
     * dot-files (editor and {@link #writeAtomically} temporaries); empty if it is absent.
     */
    public List<String> entries(String rel) throws ConfigException {
        Path dir = guestDir.resolve(rel);
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw ioError(dir, e);
        }
    }

    /** The file's lines; empty if it does not exist. A directory or unreadable file is an error. */
    public static Optional<Content> read(Path file) throws ConfigException {
        if (!Files.exists(file)) return Optional.empty();
        if (Files.isDirectory(file)) throw new ConfigException(file, "is a directory, expected a file");
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            return Optional.of(Content.of(file, text));
        } catch (CharacterCodingException e) {
            throw new ConfigException(file, "not valid UTF-8 text");
        } catch (IOException e) {
            throw ioError(file, e);
        }
    }

    static ConfigException ioError(Path file, IOException e) {
        var ce = new ConfigException(file, "cannot read: " + e.getClass().getSimpleName()
                + (e.getMessage() != null ? " " + e.getMessage() : ""));
        ce.initCause(e);
        return ce;
    }

    /** One value per line, each ending in '\n' (util-vserver's tools expect the final newline). */
    public static String lines(List<String> values) {
        var sb = new StringBuilder();
        for (String v : values) sb.append(v).append('\n');
        return sb.toString();
    }

    /**
     * Replaces {@code file} with {@code text} in one rename, so a reader sees the old or the new
     * content, never half of it. Keeps the old file's permissions; a new file gets 0644.
     */
    public static void writeAtomically(Path file, String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Set<PosixFilePermission> perms = Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                && !Files.isSymbolicLink(file)
                ? Files.getPosixFilePermissions(file) : PosixFilePermissions.fromString("rw-r--r--");
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, perms);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Points {@code link} at {@code target}, replacing an existing link in one rename. */
    public static void symlinkAtomically(Path link, Path target) throws IOException {
        Path dir = link.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + link.getFileName() + "." + Long.toUnsignedString(
                    ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                Files.createSymbolicLink(tmp, target);
            } catch (FileAlreadyExistsException e) {
                if (attempt < 10) continue;
                throw e;
            }
            try {
                Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return;
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
