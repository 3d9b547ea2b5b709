package org.vserver.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import java.util.Optional;
import org.vserver.disk.DiskUsage;
import org.vserver.guest.GuestDisk;
import org.vserver.guest.GuestRef;
import org.vserver.guest.Guests;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.Syscalls;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vdu [--xid GUEST] [--space] [--inodes] DIR...}: util-vserver's tool, one line
 * {@code DIR SPACE_KIB INODES} per directory (only the columns asked for; both without either
 * flag). Hard links are counted once across all the directories named.
 *
 * <p>util-vserver's vdu counted only the files tagged with the XID. Files here carry no XID, so
 * with directories {@code --xid} is accepted (scripts pass it) and everything below them counts.
 * Without directories, {@code --xid GUEST} asks for the guest's own storage: that is the
 * {@link GuestStorage} this command is made with.
 */
@Command(name = "vdu", mixinStandardHelpOptions = true,
        description = {"Show the space (KiB allocated) and inodes below each DIR: one line DIR SPACE INODES.",
            "Stays on each DIR's filesystem, follows no link, counts a hard-linked file once."})
final class VduCommand implements Callable<Integer> {
    /** What {@code vdu --xid GUEST} without DIR counts: the guest's private storage. */
    @FunctionalInterface
    interface GuestStorage {
        DiskUsage.Count count(String guest) throws Exception;
    }


    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--xid", paramLabel = "GUEST", description = "the guest (name or context); without DIR: count its storage")
    String xid;
    @Option(names = "--space", description = "show the space column") boolean space;
    @Option(names = "--inodes", description = "show the inodes column") boolean inodes;

    @Parameters(arity = "0..*", paramLabel = "DIR", description = "directories to count")
    List<String> dirs = new ArrayList<>();

    private final Syscalls sys;
    private final GuestStorage storage;

    VduCommand() { this(new LinuxSyscalls(), VduCommand::guestStorage); }

    /** A guest's own storage: its private layer (a unified guest's shared lower tree is not its own). */
    private static DiskUsage.Count guestStorage(String guest) throws Exception {
        Guests guests = VserverCommand.guests(Optional.empty(), System.out, System.err);
        var r = new GuestDisk(guests).report(guests.config(GuestRef.require(guests, guest).name()));
        return new DiskUsage.Count(r.usage().spaceUsedKib(), r.usage().inodesUsed());
    }

    VduCommand(Syscalls sys, GuestStorage storage) {
        this.sys = sys;
        this.storage = storage;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (dirs.isEmpty()) {
            if (xid == null) {
                err.println("vdu: name at least one DIR (or --xid GUEST)");
                return 2;
            }
            out.println(line(xid, storage.count(xid)));
            return 0;
        }
        var du = new DiskUsage(sys);
        boolean[] ok = {true};
        for (String d : dirs) {
            DiskUsage.Count c = du.count(d, e -> {
                err.println("vdu: " + e.getMessage());
                ok[0] = false;
            });
            out.println(line(d, c));
        }
        out.flush();
        err.flush();
        return ok[0] ? 0 : 1;
    }

    private String line(String name, DiskUsage.Count c) {
        boolean both = !space && !inodes;
        return name + (space || both ? " " + c.spaceKib() : "") + (inodes || both ? " " + c.inodes() : "");
    }
}
