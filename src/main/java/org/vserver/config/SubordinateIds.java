package org.vserver.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.vserver.sys.Errno;
import org.vserver.sys.LinuxSyscalls;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One subordinate-id file, {@code /etc/subuid} or {@code /etc/subgid} (shadow-utils' subuid(5)):
 * {@code OWNER:FIRST:COUNT} per line, OWNER a login name or a numeric uid, several lines per owner
 * allowed. As in shadow-utils there are no comments; a blank line is skipped, and any other line
 * that does not parse (a {@code #} line too) is skipped with a warning naming file and line.
 * A missing file owns nothing.
 *
 * <p>Guests' ranges come from root's lines (owner {@code root} or {@code 0}); other owners' lines
 * are ids handed to those users' own containers, which a guest must not share.
 *
 * @param warnings the skipped lines, {@code FILE:LINE: ...}, for the caller to print
 */
public record SubordinateIds(Path file, List<Entry> entries, List<String> warnings) {
    /** What Incus uses for root when the host has none: a billion ids above the first million. */
    public static final Entry INCUS_ROOT = new Entry("root", new IdRange(1_000_000, 1_000_000_000), 0);

    public SubordinateIds {
        entries = List.copyOf(entries);
        warnings = List.copyOf(warnings);
    }

    /** One line: {@code owner} owns {@code range}; {@code line} counts from 1 (0: not from the file). */
    public record Entry(String owner, IdRange range, int line) {
        public boolean root() { return owner.equals("root") || owner.equals("0"); }

        /** {@code OWNER:FIRST:COUNT}, as the file holds it. */
        public String text() { return owner + ":" + range.hostFirst() + ":" + range.count(); }
    }

    public static SubordinateIds read(Path file) throws ConfigException {
        Optional<ConfigFiles.Content> c = ConfigFiles.read(file);
        var entries = new ArrayList<Entry>();
        var warnings = new ArrayList<String>();
        List<String> lines = c.isPresent() ? c.get().lines() : List.of();
        for (int i = 0; i < lines.size(); i++) {
            String s = lines.get(i).strip();
            if (s.isEmpty()) continue;
            String[] f = s.split(":", -1);
            String why = f.length != 3 || f[0].isEmpty() || !f[1].matches("\\d{1,10}") || !f[2].matches("\\d{1,10}")
                    ? "expected OWNER:FIRST:COUNT" : null;
            if (why == null) {
                long first = Long.parseLong(f[1]), count = Long.parseLong(f[2]);
                if (count == 0) why = "count 0";
                else if (first + count - 1 > IdRange.LAST_ID) why = "range ends past " + IdRange.LAST_ID + ", the last id";
                else entries.add(new Entry(f[0], new IdRange(first, count), i + 1));
            }
            if (why != null) warnings.add(file + ":" + (i + 1) + ": skipped: " + why + ", got '" + s + "'");
        }
        return new SubordinateIds(file, entries, warnings);
    }

    /** Root's lines, in file order. */
    public List<Entry> root() { return entries.stream().filter(Entry::root).toList(); }

    /** Every other owner's lines. */
    public List<Entry> others() { return entries.stream().filter(e -> !e.root()).toList(); }

    /**
     * Root's ids as disjoint ranges, lowest first: overlapping or adjacent lines are joined, so
     * that root's {@code 100000:65536} and {@code 165536:65536} hold one guest range across them.
     */
    public List<IdRange> rootRanges() {
        List<IdRange> sorted = root().stream().map(Entry::range).sorted(Comparator.comparingLong(IdRange::hostFirst)).toList();
        var out = new ArrayList<IdRange>();
        for (IdRange r : sorted) {
            if (!out.isEmpty() && r.hostFirst() <= out.getLast().hostLast() + 1) {
                IdRange last = out.removeLast();
                out.add(new IdRange(last.hostFirst(), Math.max(last.hostLast(), r.hostLast()) - last.hostFirst() + 1));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /** Root's ranges for a message: {@code 1000000..1000999999, ...}, or {@code none}. */
    public String rootSpans() {
        List<IdRange> r = rootRanges();
        return r.isEmpty() ? "none" : String.join(", ", r.stream().map(IdRange::span).toList());
    }

    /**
     * Appends {@link #INCUS_ROOT} to the file (created 0644 if missing) if root owns nothing in it,
     * as Incus would use that range; refused if another owner already holds part of it. Written
     * with one append, so a concurrent reader sees the file with or without the whole line.
     *
     * @return the file as it is now, and the sentence to print if the line was added
     */
    public Added addRootIfMissing() throws ConfigException {
        if (!root().isEmpty()) return new Added(this, Optional.empty());
        String how = "; give root a range by hand: a line root:FIRST:COUNT with COUNT at least " + IdRange.GUEST_IDS
                + " per guest and FIRST at least " + IdRange.FIRST_GUEST_HOST_ID;
        for (Entry e : others())
            if (e.range().overlaps(INCUS_ROOT.range()))
                throw new ConfigException(file, e.line(), "root has no subordinate ids here, and " + INCUS_ROOT.text()
                        + " (what Incus uses) would overlap " + e.owner() + "'s " + e.range().span() + how);
        try {
            boolean existed = Files.exists(file);
            String sep = existed && Files.size(file) > 0 && !Files.readString(file).endsWith("\n") ? "\n" : "";
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ch.write(ByteBuffer.wrap((sep + INCUS_ROOT.text() + "\n").getBytes(StandardCharsets.US_ASCII)));
            }
            // whatever the umask: the file is world-readable, as shadow-utils keeps it
            if (!existed) Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException e) {
            var ce = new ConfigException(file, "root has no subordinate ids here, and adding " + INCUS_ROOT.text()
                    + " failed: " + reason(e) + how);
            ce.initCause(e);
            throw ce;
        }
        return new Added(read(file), Optional.of("added " + INCUS_ROOT.text() + " to " + file + ", as Incus does"));
    }

    /** "write(`/etc/subuid`): Read-only file system (EROFS)": what the JDK's exception says, in errno terms. */
    private String reason(IOException e) {
        int errno = Errno.of(e);
        if (errno == 0) return e.getMessage() != null ? e.getMessage() : e.toString();
        return "write(`" + file + "`): " + LinuxSyscalls.strerror(errno) + " (" + Errno.name(errno) + ")";
    }

    /** {@link #addRootIfMissing}'s answer. */
    public record Added(SubordinateIds ids, Optional<String> message) {}
}
