package org.vserver.net;

import org.vserver.config.LoopbackAllow;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.vserver.bpf.Bpf;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.Syscalls;

/**
 * The cgroup v2 directory a {@code chbind} command runs in: {@code chbind-HASH} beside the guests'
 * directories, one per address policy, with the policy's programs ({@link SockAddrPrograms})
 * attached when it is made. Commands with the same policy share it; it is removed once no process
 * is left in it (a daemon that forked away keeps it until it exits). Callers serialize
 * {@link #sweep}, {@link #prepare} and {@link #removeIfEmpty} with a lock, and join before
 * letting go of it: a directory that is reused has processes, so its programs were attached
 * before any of them joined, and an empty one (a chbind killed half way) is swept, never reused.
 */
public final class ChbindCgroup {
    public static final String PREFIX = "chbind-";

    /** Part of the name: a changed program generator makes new cgroups rather than reusing old programs. */
    private static final String GENERATION = "sockaddr-2";

    private static final int HASH_HEX = 12;

    private ChbindCgroup() {}

    /** {@code chbind-} and a hash of the policy (the primary first, the other addresses sorted). */
    public static String name(BindPolicy p) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical(p).getBytes(StandardCharsets.US_ASCII));
            return PREFIX + HexFormat.of().formatHex(d).substring(0, HASH_HEX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The policy as text: the order of the addresses after each family's primary does not matter. */
    static String canonical(BindPolicy p) {
        return GENERATION + " v4=" + addresses(p.v4()) + " v6=" + addresses(p.v6()) + " lback=" + p.lback().getHostAddress()
                + " bcast=" + (p.bcast() == null ? "-" : p.bcast().getHostAddress())
                + " allow=" + (p.lbackAllow().isEmpty() ? "-" : p.lbackAllow().stream().map(LoopbackAllow::toString).distinct().sorted()
                        .collect(Collectors.joining(",")))
                + (p.privilegedPorts() ? " privileged-ports" : "")   // absent when false: today's names stay
                + (p.lback6() == null ? "" : " lback6=" + p.lback6().getHostAddress())
                + (p.steered() ? " xid=" + p.xid() + (p.ipv6onlyBit() < 0 ? "" : " ipv6only-bit=" + p.ipv6onlyBit()) : "");
    }

    private static String addresses(List<? extends InetAddress> a) {
        if (a.isEmpty()) return "-";
        return a.getFirst().getHostAddress() + a.stream().skip(1).map(InetAddress::getHostAddress).distinct().sorted()
                .map(s -> "," + s).collect(Collectors.joining());
    }

    /**
     * Makes {@code dir} (and its parents) and attaches the policy, or reuses an existing one.
     *
     * @return true if it was made now
     * @throws IOException if the programs cannot be attached (the new directory is removed again),
     *                     or an existing one lacks them
     */
    public static boolean prepare(Syscalls sys, Path dir, BindPolicy policy) throws IOException {
        Files.createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException reuse) {
            requireAttached(sys, dir);
            return false;
        } catch (IOException e) {
            throw new IOException("mkdir(`" + dir + "`) failed: " + e.getMessage());
        }
        try {
            SockAddrPrograms.attach(sys, dir, policy);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // the sweep of the next run removes it: it is empty
            }
            throw e;
        }
        return true;
    }

    /** An existing directory left without programs (by hand): refused rather than run unrestricted. */
    private static void requireAttached(Syscalls sys, Path dir) throws IOException {
        int fd = sys.open(dir.toString(), Syscalls.O_RDONLY | Syscalls.O_DIRECTORY, 0);
        try {
            for (int type : List.of(Bpf.CGROUP_INET_SOCK_CREATE, Bpf.CGROUP_INET4_BIND, Bpf.CGROUP_INET6_BIND,
                    Bpf.CGROUP_INET4_CONNECT, Bpf.CGROUP_INET6_CONNECT, Bpf.CGROUP_UDP4_SENDMSG, Bpf.CGROUP_UDP6_SENDMSG)) {
                if (sys.bpfProgQuery(fd, type).length == 0)
                    throw new IOException("`" + dir + "` exists without its " + SockAddrPrograms.name(type)
                            + " program: remove it (rmdir) and run chbind again");
            }
        } catch (ErrnoException e) {
            throw new IOException(e.getMessage() + ": the programs of `" + dir + "` cannot be checked");
        } finally {
            sys.close(fd);
        }
    }

    /** True while a process is in {@code dir} or below (cgroup.events {@code populated 1}). */
    static boolean populated(Path dir) throws IOException {
        try (Stream<String> lines = Files.lines(dir.resolve("cgroup.events"))) {
            return lines.anyMatch(l -> l.equals("populated 1"));
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    /**
     * Removes {@code dir} if no process is left in it; EBUSY from a last task that is still
     * exiting is retried for about 2 s.
     *
     * @return true if it is gone
     */
    public static boolean removeIfEmpty(Path dir) throws IOException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (true) {
            if (!Files.isDirectory(dir)) return true;
            if (populated(dir)) return false;
            try {
                Files.delete(dir);
                return true;
            } catch (NoSuchFileException gone) {
                return true;
            } catch (IOException busy) {
                if (System.nanoTime() - deadline > 0) throw new IOException("rmdir(`" + dir + "`) failed: " + busy.getMessage());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** A name {@link #name} makes. */
    static boolean isChbind(String name) {
        return name.length() == PREFIX.length() + HASH_HEX && name.startsWith(PREFIX)
                && name.substring(PREFIX.length()).chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    private static boolean hasChildren(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(Files::isDirectory);
        }
    }

    /** Removes every empty {@code chbind-*} directory under {@code parent} (left by chbind runs that were killed). */
    public static List<Path> sweep(Path parent) throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(parent)) return removed;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(parent, PREFIX + "*")) {
            for (Path d : s) {
                // only names this class makes (a guest may be called chbind-web); children: made by hand, left alone
                if (!isChbind(d.getFileName().toString()) || !Files.isDirectory(d) || populated(d) || hasChildren(d)) continue;
                try {
                    if (removeIfEmpty(d)) removed.add(d);
                } catch (IOException stillBusy) {
                    // a later run tries again; this one does not depend on it
                }
            }
        }
        return removed;
    }
}
