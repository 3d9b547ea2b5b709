package org.vserver.config;

import java.util.Optional;
import org.vserver.limits.Limit;
import org.vserver.limits.LimitValue;

/**
 * The guest's console: {@code console/size} of the guest, else of {@code .defaults} (ours;
 * util-vserver had no such file), else {@link #DEFAULT_SIZE}.
 *
 * <p>The console is a pty of the guest's own devpts; the guest's monitor (launcher/monitor.c) logs
 * it and moves the log to {@code console.log.1} once it would grow past {@code size}: at most
 * twice that on disk, however much the guest writes (read at up to 2 MiB/s, as a fast serial
 * line: a faster writer waits). The same
 * size caps the guest's /dev tmpfs, where the guest could otherwise write files instead.
 *
 * @param size the cap in bytes (the tmpfs rounds it up to whole pages)
 */
public record ConsoleConfig(long size) {
    /** 1 MiB: a boot's worth of rc output, and little memory for a host of many guests. */
    public static final long DEFAULT_SIZE = 1L << 20;
    /** One page: tmpfs cannot cap below it, and {@code size=0} would mean no cap at all. */
    public static final long MIN_SIZE = 4096;
    public static final ConsoleConfig DEFAULT = new ConsoleConfig(DEFAULT_SIZE);
    static final String SIZE_FILE = "console/size";

    public ConsoleConfig {
        if (size < MIN_SIZE) throw new IllegalArgumentException("console size " + size + " is below " + MIN_SIZE);
    }

    static ConsoleConfig read(ConfigFiles files) throws ConfigException {
        Optional<ConfigFiles.Content> c = files.lookup(SIZE_FILE);
        return c.isPresent() ? new ConsoleConfig(size(c.get())) : DEFAULT;
    }

    /** The check of {@code console/size}: bytes with LimitValue's suffixes, finite, at least one page. */
    static long size(ConfigFiles.Content c) throws ConfigException {
        ConfigFiles.Line l = c.nonEmptyScalar();
        String forms = "bytes, optionally with k/m/g (x1000) or K/M/G (x1024), at least " + MIN_SIZE + ", e.g. 1M";
        long n;
        try {
            n = LimitValue.parse(l.text());
        } catch (IllegalArgumentException e) {
            throw l.error("invalid console size '" + l.text() + "' (expected " + forms + ")");
        }
        if (n == Limit.INFINITY)
            throw l.error("the console must have a cap: a guest could fill the host's memory through it (expected " + forms + ")");
        if (n < MIN_SIZE) throw l.error("console size '" + l.text() + "' is below one page (expected " + forms + ")");
        return n;
    }

    /** The value of tmpfs's {@code size=} option. */
    public String tmpfsSize() {
        return size % 1024 == 0 ? size / 1024 + "k" : Long.toString(size);
    }
}
