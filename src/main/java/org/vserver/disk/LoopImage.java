package org.vserver.disk;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.vserver.sys.ProcFs;
import org.vserver.sys.StatFs;
import org.vserver.sys.Syscalls;

/**
 * A guest's private layer as an ext4 filesystem in a sparse image file: the file's size is the
 * space limit, the filesystem's inode count the inode limit, its root reserve the {@code reserved}
 * share. Only what happens to the file is here (make, check, count, resize); attaching it to a loop
 * device and mounting it belong to the guest's start.
 *
 * <p>Offline resizes work on the unmounted file and need no privilege. Growing a mounted one needs
 * CAP_SYS_RESOURCE ({@link #canResizeOnline}); shrinking a mounted ext4 is impossible.
 *
 * @param image the image file ({@code VDIRBASE/.private/NAME/disk.img})
 * @param host  the programs and sysfs used
 */
public record LoopImage(Path image, DiskHost host) {
    /**
     * The smallest image made: 16 MiB. Below it ext4's own metadata (4 MiB of journal, inode
     * tables, bitmaps) would take most of the space, and resize2fs needs room to move.
     */
    public static final long MIN_KIB = 16 * 1024;
    /** Below this an image gets a 4 MiB journal instead of mkfs's 16 MiB: the journal would take 6% and more of a small limit. */
    static final long SMALL_JOURNAL_BELOW_KIB = 256 * 1024;
    /** One inode per 16 KiB where no inode limit is given: mkfs's ratio for "default" filesystems, not the denser "small" one. */
    static final long BYTES_PER_INODE = 16384;
    private static final int BLOCK_SIZE = 4096;
    /** CAP_SYS_RESOURCE, include/uapi/linux/capability.h. */
    static final int CAP_SYS_RESOURCE = 24;
    public static final String ONLINE_RESIZE_REFUSED = "ext4 grows a mounted filesystem only with CAP_SYS_RESOURCE, which"
            + " vserver lacks on this host: the new limit takes effect at the guest's next start";
    private static final Pattern MINIMUM = Pattern.compile("Estimated minimum size of the filesystem: (\\d+)");

    /**
     * Makes the image: a sparse file of {@code spaceKib} (rounded down to whole 4 KiB blocks) and an
     * ext4 filesystem in it, owned by root. Refuses an existing file: it holds a guest's files.
     *
     * @param inodes          the inode count (mkfs rounds it up to fill whole inode table blocks);
     *                        empty: one per 16 KiB
     * @param reservedPercent the share of blocks only root may use
     */
    public void create(long spaceKib, OptionalLong inodes, int reservedPercent) throws IOException {
        create(spaceKib, inodes, reservedPercent, Optional.empty());
    }

    /**
     * The same, filled with the files of {@code from} ({@code mkfs.ext4 -d}): for tests and for
     * moving a guest's existing private files into a new limit, without mounting anything.
     */
    public void create(long spaceKib, OptionalLong inodes, int reservedPercent, Optional<Path> from) throws IOException {
        if (spaceKib < MIN_KIB)
            throw new IOException("image " + image + ": a space limit of " + spaceKib + " KiB is below the smallest ext4 image, "
                    + MIN_KIB + " KiB (16 MiB): set the limit to " + MIN_KIB + " or more");
        if (reservedPercent < 0 || reservedPercent > 99) throw new IllegalArgumentException("reserved " + reservedPercent + "%");
        long bytes = blocksOf(spaceKib) * BLOCK_SIZE;
        Files.createDirectories(image.toAbsolutePath().getParent());
        try {
            Files.createFile(image);    // O_EXCL: never over an existing image
        } catch (FileAlreadyExistsException e) {
            throw new IOException("image " + image + " already exists: it holds a guest's files; remove it first if they may go");
        }
        try (RandomAccessFile f = open()) {
            f.setLength(bytes);    // sparse: only what mkfs and later the guest write takes disk space
        }
        List<String> argv = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-b", Integer.toString(BLOCK_SIZE),
                "-m", Integer.toString(reservedPercent)));
        if (inodes.isPresent()) argv.addAll(List.of("-N", Long.toString(inodes.getAsLong())));
        else argv.addAll(List.of("-i", Long.toString(BYTES_PER_INODE)));
        if (spaceKib < SMALL_JOURNAL_BELOW_KIB) argv.addAll(List.of("-J", "size=4"));
        // nodiscard: discarding a new sparse file only punches holes that are holes already;
        // lazy_*_init: a new sparse file reads as zeros, so the inode tables and journal need not be written
        argv.addAll(List.of("-E", "root_owner=0:0,nodiscard,lazy_itable_init=1,lazy_journal_init=1"));
        if (from.isPresent()) argv.addAll(List.of("-d", from.get().toString()));
        argv.add(image.toString());
        try {
            Tool.Result r = host.tool().exec(argv);
            if (r.code() != 0) throw r.failure();
        } catch (IOException e) {
            Files.deleteIfExists(image);
            throw new IOException("image " + image + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks the unmounted image before its guest starts: present, a regular file, ext4, cleanly
     * unmounted without errors, and as long as its filesystem. Each failure names the image and
     * what to do.
     */
    public Ext4Superblock check() throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(image, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new IOException("image " + image + " is missing: the guest's private files are in it; restore it from a backup,"
                    + " or remove the disk limit to start with an empty private layer");
        }
        if (!a.isRegularFile())
            throw new IOException("image " + image + " is not a regular file" + (a.isSymbolicLink() ? " but a symbolic link" : "")
                    + ": put the image file itself there");
        Ext4Superblock sb = Ext4Superblock.read(image);
        if (sb.hasErrors())
            throw new IOException("image " + image + " has filesystem errors: repair it with `e2fsck -f -y " + image + "`");
        if (!sb.clean())
            throw new IOException("image " + image + " was not cleanly unmounted (a crash, or it is mounted): if no guest runs,"
                    + " repair it with `e2fsck -f -y " + image + "`");
        if (a.size() < sb.sizeBytes())
            throw new IOException("image " + image + " is " + a.size() / 1024 + " KiB, but its filesystem spans " + sb.sizeKib()
                    + " KiB: the file was truncated; restore it from a backup");
        if (a.size() > sb.sizeBytes())
            throw new IOException("image " + image + " is " + a.size() / 1024 + " KiB, but its filesystem spans " + sb.sizeKib()
                    + " KiB (an interrupted resize?): finish it with `resize2fs " + image + "`");
        return sb;
    }

    /** Runs {@code e2fsck -f -y}: replays the journal, repairs what it can; fails if errors remain. */
    public void repair() throws IOException {
        requireDetached("repair");
        Tool.Result r = host.tool().exec(List.of("e2fsck", "-f", "-y", image.toString()));
        // 0: clean; 1: errors corrected; 2: corrected, "reboot" (meaningless for a file); 4 and up: left uncorrected or failed
        if (r.code() > 2) throw new IOException("image " + image + ": " + r.failure().getMessage());
    }

    /** The use of the unmounted image, from its superblock (exact after a clean unmount: see {@link Ext4Superblock}). */
    public Usage usage() throws IOException { return Ext4Superblock.read(image).usage(); }

    /** The use of a mounted filesystem, from statfs(2): what df shows, inodes included. */
    public static Usage usageOfMounted(Syscalls sys, Path mountpoint) throws IOException {
        StatFs s = sys.statfs(mountpoint.toString());
        long k = s.blockSize() / 1024;
        return new Usage((s.blocks() - s.free()) * k, s.blocks() * k, s.files() - s.ffree(), s.files());
    }

    /**
     * Grows the unmounted image to {@code newKib}: e2fsck (resize2fs refuses a filesystem not checked
     * since its last mount), the file longer, then resize2fs. Inodes grow with the size
     * ({@link Ext4Superblock#inodesAfterResize}).
     */
    public void growOffline(long newKib) throws IOException {
        requireDetached("grow");
        long bytes = blocksOf(newKib) * BLOCK_SIZE;
        long old = Files.size(image);
        if (bytes < old) throw new IllegalArgumentException("grow to " + newKib + " KiB is a shrink: image is " + old / 1024 + " KiB");
        if (bytes == old) return;
        repair();
        try (RandomAccessFile f = open()) {
            f.setLength(bytes);
        }
        try {
            host.tool().run("resize2fs", image.toString(), bytes / 1024 + "K");
        } catch (IOException e) {
            // the filesystem did not grow: give the file its old length back, so check() passes again
            if (Ext4Superblock.read(image).sizeBytes() == old)
                try (RandomAccessFile f = open()) {
                    f.setLength(old);
                }
            throw new IOException("image " + image + ": " + e.getMessage(), e);
        }
    }

    /**
     * Shrinks the unmounted image to {@code newKib}: e2fsck, then the smallest size resize2fs can
     * reach ({@code resize2fs -P}) is checked first, so a limit below what is in use is refused with
     * both numbers before anything moves; then resize2fs, then the file shorter.
     */
    public void shrinkOffline(long newKib) throws IOException {
        requireDetached("shrink");
        long bytes = blocksOf(newKib) * BLOCK_SIZE;
        long old = Files.size(image);
        if (bytes > old) throw new IllegalArgumentException("shrink to " + newKib + " KiB is a grow: image is " + old / 1024 + " KiB");
        if (bytes == old) return;
        repair();
        long smallest = Math.max(MIN_KIB, smallestKib());
        if (bytes / 1024 < smallest)
            throw new IOException(usage().spaceUsedKib() + " KiB in use: the smallest limit now is " + smallest + " KiB"
                    + " (ext4's own metadata included; image " + image + ")");
        try {
            host.tool().run("resize2fs", image.toString(), bytes / 1024 + "K");
        } catch (IOException e) {
            throw new IOException("image " + image + ": " + e.getMessage(), e);
        }
        try (RandomAccessFile f = open()) {
            f.setLength(bytes);
        }
    }

    /** resize2fs's own estimate of the smallest size, in KiB rounded up to whole MiB. */
    long smallestKib() throws IOException {
        String out = host.tool().run("resize2fs", "-P", image.toString());
        Matcher m = MINIMUM.matcher(out);
        if (!m.find()) throw new IOException("`resize2fs -P " + image + "` printed no minimum size: " + out.strip());
        long kib = Long.parseLong(m.group(1)) * (Ext4Superblock.read(image).blockSize() / 1024);
        return (kib + 1023) / 1024 * 1024;
    }

    /**
     * Grows the mounted image to {@code newKib}: the file longer, the loop device told
     * (LOOP_SET_CAPACITY, {@code losetup -c}), then resize2fs on the device, which the kernel does
     * online (EXT4_IOC_RESIZE_FS). Refused up front without CAP_SYS_RESOURCE, before the file changes.
     *
     * @param loopDevice the device the image is attached to ({@link #loopDevice()})
     */
    public void growOnline(Path loopDevice, long newKib) throws IOException {
        if (!canResizeOnline(host.proc())) throw new IOException(ONLINE_RESIZE_REFUSED);
        long bytes = blocksOf(newKib) * BLOCK_SIZE;
        long old = Files.size(image);
        if (bytes < old) throw new IllegalArgumentException("a mounted ext4 cannot shrink: image is " + old / 1024 + " KiB");
        if (bytes == old) return;
        try (RandomAccessFile f = open()) {
            f.setLength(bytes);
        }
        host.tool().run("losetup", "-c", loopDevice.toString());
        host.tool().run("resize2fs", loopDevice.toString(), bytes / 1024 + "K");
    }

    /** Whether this process may grow a mounted ext4: CAP_SYS_RESOURCE in its effective set ({@code CapEff} of /proc/self/status). */
    public static boolean canResizeOnline(ProcFs proc) throws IOException {
        return hasEffective(Files.readString(proc.self().resolve("status")), CAP_SYS_RESOURCE);
    }

    static boolean hasEffective(String status, int cap) {
        for (String l : status.split("\n"))
            if (l.startsWith("CapEff:")) return (Long.parseUnsignedLong(l.substring(7).strip(), 16) >>> cap & 1) != 0;
        return false;
    }

    /** The loop device the image is attached to, if any. */
    public Optional<Path> loopDevice() throws IOException { return loopDeviceOf(host.sysfs(), image); }

    /**
     * The loop device {@code image} is attached to: the {@code /dev/loopN} whose
     * {@code SYSFS/block/loopN/loop/backing_file} names it (a deleted file's name ends in
     * " (deleted)" and is not it).
     */
    public static Optional<Path> loopDeviceOf(Path sysfs, Path image) throws IOException {
        Path block = sysfs.resolve("block");
        if (!Files.isDirectory(block)) return Optional.empty();
        Path abs = image.toAbsolutePath().normalize();
        Path real = Files.exists(abs) ? abs.toRealPath() : abs;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(block, "loop*")) {
            for (Path dev : ds) {
                Path f = dev.resolve("loop").resolve("backing_file");
                if (!Files.isRegularFile(f)) continue;
                String name = Files.readString(f).strip();
                if (name.equals(abs.toString()) || name.equals(real.toString())) return Optional.of(Path.of("/dev").resolve(dev.getFileName()));
            }
        }
        return Optional.empty();
    }

    /** Offline work on an attached image would race the mounted filesystem and corrupt it. */
    private void requireDetached(String what) throws IOException {
        Optional<Path> dev = loopDevice();
        if (dev.isPresent())
            throw new IOException("cannot " + what + " image " + image + ": it is attached to " + dev.get()
                    + " (its guest runs?): stop the guest first");
    }

    private static long blocksOf(long kib) { return kib / (BLOCK_SIZE / 1024); }

    private RandomAccessFile open() throws IOException { return new RandomAccessFile(image.toFile(), "rw"); }
}
