package org.vserver.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.vserver.guest.GuestLimits;
import org.vserver.guest.Guests;
import org.vserver.limits.Limit;
import org.vserver.limits.LimitValue;
import org.vserver.limits.Resource;
import org.vserver.limits.ResourceConfig;
import org.vserver.state.RunState;
import org.vserver.guest.GuestNotRunningException;
import org.vserver.guest.GuestRef;

/** {@code vlimit}: VServer's per-context limits of a running guest, shown and changed live. See {@link VlimitArgs}. */
final class VlimitCommand {
    private VlimitCommand() {}

    static int run(String[] argv, java.io.PrintStream out, java.io.PrintStream err) {
        try {
            VlimitArgs args = VlimitArgs.parse(List.of(argv));
            if (args.help()) {
                out.print(VlimitArgs.USAGE);
                return 0;
            }
            List<VlimitArgs.Change> changes = new ArrayList<>(args.changes());
            if (args.dir().isPresent()) changes.addAll(0, fromDir(args.dir().get(), args.missingOk()));
            Guests guests = VserverCommand.guests(Optional.empty(), out, err);
            RunState st = GuestRef.requireRunning(guests, args.xid());
            GuestLimits limits = new GuestLimits(guests);
            if (!changes.isEmpty())
                for (String n : limits.change(st.name(), cfg -> apply(cfg, changes))) err.println("vlimit: " + n);
            if (args.get() || changes.isEmpty()) out.print(LimitsReport.limits(st, limits.report(st.name())));
            out.flush();
            return 0;
        } catch (Exception e) {
            err.println("vlimit: " + Main.message(e));
            return e instanceof GuestNotRunningException ? 3 : e instanceof IllegalArgumentException ? 2 : 1;
        }
    }

    static ResourceConfig apply(ResourceConfig cfg, List<VlimitArgs.Change> changes) {
        for (VlimitArgs.Change c : changes) {
            Limit l = cfg.rlimit(c.resource());
            if (c.which().contains(VlimitArgs.Which.SOFT)) l = l.withSoft(c.value());
            if (c.which().contains(VlimitArgs.Which.HARD)) l = l.withHard(c.value());
            if (c.which().contains(VlimitArgs.Which.MIN)) l = l.withMin(c.value());
            if (l.soft().isPresent() && l.hard().isPresent() && l.soft().getAsLong() > l.hard().getAsLong()) {
                // A lower hard limit takes the soft one down with it (the kernel keeps soft <= hard);
                // a soft limit asked for above the hard one is a mistake.
                if (c.which().contains(VlimitArgs.Which.SOFT))
                    throw new IllegalArgumentException("--" + c.resource().lowerName() + ": soft limit "
                            + LimitValue.format(l.soft().getAsLong()) + " is above the hard limit " + LimitValue.format(l.hard().getAsLong()));
                l = l.withSoft(l.hard().getAsLong());
            }
            cfg = cfg.withRlimit(c.resource(), l);
        }
        return cfg;
    }

    /** {@code D/<res>} (soft and hard), {@code D/<res>.soft|.hard|.min}, as util-vserver's {@code vlimit --dir}. */
    static List<VlimitArgs.Change> fromDir(Path dir, boolean missingOk) throws java.io.IOException {
        List<VlimitArgs.Change> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            if (missingOk) return out;
            throw new java.nio.file.NoSuchFileException(dir + ": no such limits directory (--missingok to ignore)");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            int dot = name.indexOf('.');
            String res = dot < 0 ? name : name.substring(0, dot);
            String suffix = dot < 0 ? "" : name.substring(dot + 1);
            Resource r = Resource.byName(res).orElseThrow(() -> new IllegalArgumentException(f + ": unknown resource '" + res + "'"));
            EnumSet<VlimitArgs.Which> which = switch (suffix) {
                case "" -> EnumSet.of(VlimitArgs.Which.SOFT, VlimitArgs.Which.HARD);
                case "soft" -> EnumSet.of(VlimitArgs.Which.SOFT);
                case "hard" -> EnumSet.of(VlimitArgs.Which.HARD);
                case "min" -> EnumSet.of(VlimitArgs.Which.MIN);
                default -> throw new IllegalArgumentException(f + ": unknown suffix '." + suffix + "' (soft, hard or min)");
            };
            String text = Files.readString(f).strip();
            try {
                out.add(new VlimitArgs.Change(r, which, LimitValue.parse(text)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f + ":1: " + e.getMessage());
            }
        }
        // `res` first, then the specific files, so that rss.soft refines rss
        out.sort(java.util.Comparator.comparingInt(c -> c.which().size() == 2 ? 0 : 1));
        return out;
    }
}
