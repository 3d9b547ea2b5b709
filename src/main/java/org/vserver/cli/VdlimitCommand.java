package org.vserver.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.vserver.config.DiskLimitFiles;
import org.vserver.guest.GuestDisk;
import org.vserver.guest.GuestRef;
import org.vserver.guest.Guests;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vdlimit --xid GUEST [--set KEY=VALUE]... [--remove] [DIRECTORY]}: util-vserver's tool.
 * Without {@code --set} or {@code --remove} it shows the guest's limit and use, as util-vserver
 * printed them ({@code space_used=... space_total=... inodes_used=... inodes_total=... reserved=...}).
 * DIRECTORY is the guest's root (the default): limits apply to a guest's root here.
 */
@Command(name = "vdlimit", mixinStandardHelpOptions = true,
        description = {"Show or set a guest's disk limit: space_total (KiB, or with K, M, G, T), inodes_total, reserved (%%).",
            "The backend is a loop-backed ext4 image, or a btrfs qgroup where the guests are on btrfs."})
final class VdlimitCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--xid", required = true, paramLabel = "GUEST", description = "the guest (name or context)") String xid;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "space_total, inodes_total or reserved") List<String> set = new ArrayList<>();
    @Option(names = "--remove", description = "remove the limit (its private layer moves into a plain directory)") boolean remove;
    @Parameters(arity = "0..1", paramLabel = "DIRECTORY", description = "the guest's root (default)") Path directory;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Guests guests = VserverCommand.guests(Optional.empty(), System.out, System.err);
        String name = GuestRef.require(guests, xid).name();
        var disk = new GuestDisk(guests);
        if (remove && !set.isEmpty()) {
            err.println("vdlimit: --set and --remove exclude each other");
            return 2;
        }
        List<String> said;
        if (remove) {
            said = disk.remove(name, Optional.ofNullable(directory));
        } else if (!set.isEmpty()) {
            said = disk.set(name, Optional.ofNullable(directory), change(set));
        } else {
            var r = disk.report(guests.config(name));
            out.println("space_used=" + r.usage().spaceUsedKib());
            out.println("space_total=" + r.limit().flatMap(l -> boxed(l.spaceTotalKib())).map(String::valueOf).orElse("none"));
            out.println("inodes_used=" + r.usage().inodesUsed());
            out.println("inodes_total=" + r.limit().flatMap(l -> boxed(l.inodesTotal())).map(String::valueOf).orElse("none"));
            out.println("reserved=" + r.limit().map(l -> String.valueOf(l.reservedPercent())).orElse("none"));
            out.println("backend=" + r.backend());
            return 0;
        }
        for (String s : said) err.println("vdlimit: " + s);
        return 0;
    }

    private static Optional<Long> boxed(OptionalLong v) { return v.isPresent() ? Optional.of(v.getAsLong()) : Optional.empty(); }

    /** KEY=VALUE words; an unknown key or a bad value is refused before anything changes. */
    static GuestDisk.Change change(List<String> words) {
        OptionalLong space = OptionalLong.empty(), inodes = OptionalLong.empty();
        OptionalInt reserved = OptionalInt.empty();
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("--set " + w + ": give KEY=VALUE (space_total, inodes_total, reserved)");
            String key = w.substring(0, eq), value = w.substring(eq + 1);
            switch (key) {
                case "space_total" -> space = OptionalLong.of(DiskLimitFiles.parseSpace(value));
                case "inodes_total" -> inodes = OptionalLong.of(number(key, value));
                case "reserved" -> {
                    long r = number(key, value);
                    if (r > 99) throw new IllegalArgumentException("--set reserved=" + value + ": a percentage, 0..99");
                    reserved = OptionalInt.of((int) r);
                }
                default -> throw new IllegalArgumentException("--set " + w + ": unknown key '" + key
                        + "'; known are space_total, inodes_total, reserved");
            }
        }
        return new GuestDisk.Change(space, inodes, reserved);
    }

    private static long number(String key, String value) {
        try {
            long n = Long.parseLong(value.strip());
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--set " + key + "=" + value + ": not a number of 0 or more");
        }
    }
}
