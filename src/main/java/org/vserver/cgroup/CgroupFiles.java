package org.vserver.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.vserver.sys.Errno;
import org.vserver.sys.LinuxSyscalls;

/**
 * Reading and writing cgroup interface files. Every failure names the call and the file:
 * {@code write(`/sys/fs/cgroup/pids/vservers/a/cgroup.procs`) failed: No such process}.
 * Files are never created: a missing interface file is an error, as on the kernel.
 */
final class CgroupFiles {
    private static final Duration POLL = Duration.ofMillis(10);

    private CgroupFiles() {}

    /** The whole file, stripped of surrounding white space. */
    static String read(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw failure("read", file, e);
        }
    }

    /** The non-blank lines of the file, stripped. */
    static List<String> lines(Path file) throws IOException {
        return read(file).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /** A file holding one number (memory.current, pids.current, cpuacct.usage). */
    static long number(Path file) throws IOException {
        String s = read(file);
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IOException("read(`" + file + "`) failed: not a number: " + s);
        }
    }

    /** A "key value" file (cpu.stat, cpuacct.stat, cgroup.events) as a map; non-numeric values are skipped. */
    static Map<String, Long> keyed(Path file) throws IOException {
        var map = new LinkedHashMap<String, Long>();
        for (String line : lines(file)) {
            String[] kv = line.split("\\s+");
            if (kv.length != 2) continue;
            try {
                map.put(kv[0], Long.parseLong(kv[1]));
            } catch (NumberFormatException e) {
                // e.g. a "max" value: not a counter
            }
        }
        return map;
    }

    /** One write(2) of a value into a state file (freezer.state, cpuset.cpus, cgroup.freeze), O_TRUNC. */
    static void write(Path file, String value) throws IOException {
        write(file, value, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /**
     * One write(2) of a value into an event file (cgroup.procs, devices.allow), O_APPEND: the kernel
     * treats every write as one request; a fixture file keeps all of them, one per line.
     */
    static void append(Path file, String value) throws IOException {
        write(file, value, StandardOpenOption.APPEND);
    }

    private static void write(Path file, String value, OpenOption mode) throws IOException {
        try {
            Files.write(file, (value + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE, mode);
        } catch (IOException e) {
            throw failure("write", file, e);
        }
    }

    /**
     * Polls {@code file} until its content satisfies {@code reached}; fails naming the file after
     * {@code timeout}. {@code nudge} runs between polls (e.g. to repeat a write the kernel may have missed).
     */
    static void await(Path file, Predicate<String> reached, String wanted, Duration timeout, IoAction nudge)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = read(file);
        while (!reached.test(last)) {
            if (System.nanoTime() - deadline > 0)
                throw new IOException("wait(`" + file + "`) failed: " + wanted + " not reached after "
                        + timeout.toMillis() + " ms (last: " + last.replace('\n', ' ') + ")");
            sleep(POLL);
            nudge.run();
            last = read(file);
        }
    }

    /** An I/O step (a repeated write) that {@link #await} may run between polls. */
    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** {@code <call>(`<path>`) failed: <reason>}, keeping the original exception as the cause. */
    static IOException failure(String call, Path path, IOException e) {
        return new IOException(call + "(`" + path + "`) failed: " + reason(e), e);
    }

    /** The errno text of a java.nio exception (java.nio keeps it only for the types it does not map; {@link Errno#of} knows the rest). */
    static String reason(IOException e) {
        return switch (e) {
            case NoSuchFileException _, AccessDeniedException _, FileAlreadyExistsException _, DirectoryNotEmptyException _,
                    NotDirectoryException _ -> LinuxSyscalls.strerror(Errno.of(e));
            case FileSystemException x when x.getReason() != null -> x.getReason();
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }

    /** True for failures worth retrying on rmdir: EBUSY while a dying task lingers (not ENOENT, EACCES, ...). */
    static boolean transientBusy(IOException e) {
        return e instanceof FileSystemException
                && !(e instanceof NoSuchFileException || e instanceof AccessDeniedException
                        || e instanceof DirectoryNotEmptyException || e instanceof NotDirectoryException
                        || e instanceof FileAlreadyExistsException);
    }
}
