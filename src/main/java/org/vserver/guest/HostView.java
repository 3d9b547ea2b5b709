package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.vserver.cgroup.CgroupManager;
import org.vserver.proc.ContextOfPid;
import org.vserver.proc.ProcClock;
import org.vserver.proc.ProcStat;
import org.vserver.proc.StatRow;
import org.vserver.state.RunState;
import org.vserver.proc.StatTable;
import org.vserver.state.Xid;

/**
 * The host's view of its guests (VServer's context 0 and 1): vserver-stat's rows and the
 * pid → guest map behind vps and vkill. Reads /proc and the guests' cgroups, nothing else.
 */
public final class HostView {
    private final Guests guests;
    private final Path proc;

    public HostView(Guests guests) {
        this.guests = guests;
        this.proc = guests.vserver().proc().root();
    }

    /**
     * Running guests (and throw-away contexts) with their run state, by name: the same list vps
     * decides its CONTEXT column by. A damaged run state is a stopped guest here, as there.
     */
    public List<RunState> runningGuests() throws IOException {
        return ContextOfPid.running(proc, guests.vserver().state());
    }

    /**
     * One row for the host (context 0, every process outside the guests), then one per running
     * guest, by context number as util-vserver sorted them. No row 1: VServer listed the spectator
     * context only while one existed, and here vps and vtop need none.
     */
    public List<StatRow> statRows() throws IOException {
        Instant now = Instant.now();
        ProcClock clock = ProcClock.read(proc);
        List<StatRow> rows = new ArrayList<>();
        Set<Integer> inGuests = new HashSet<>();
        List<StatRow> guestRows = new ArrayList<>();
        for (RunState st : runningGuests()) {
            List<Integer> pids = guests.vserver().cgroups().processes(st.name());
            inGuests.addAll(pids);
            long vsz = 0, rss = 0;
            for (int pid : pids) {
                Optional<ProcStat> p = ProcStat.read(proc, pid);
                if (p.isPresent()) {
                    vsz += p.get().vsize();
                    rss += p.get().rssBytes();
                }
            }
            CgroupManager.Usage u = guests.vserver().cgroups().usage(st.name());
            long up = clock.uptime(st.initStartTicks(), now).toNanos();
            guestRows.add(new StatRow(st.xid(), st.name(), pids.size(), vsz, rss, u.userNanos(), u.systemNanos(), up));
        }
        int procs = 0;
        long vsz = 0, rss = 0, user = 0, sys = 0;
        for (int pid : allPids()) {
            if (inGuests.contains(pid)) continue;
            Optional<ProcStat> p = ProcStat.read(proc, pid);
            if (p.isEmpty()) continue;
            procs++;
            vsz += p.get().vsize();
            rss += p.get().rssBytes();
            user += p.get().utimeNanos();
            sys += p.get().stimeNanos();
        }
        long hostUp = java.time.Duration.between(clock.bootTime(), now).toNanos();
        rows.add(new StatRow(Xid.HOST, StatTable.HOST_NAME, procs, vsz, rss, user, sys, hostUp));
        guestRows.sort(java.util.Comparator.comparingInt(StatRow::xid).thenComparing(StatRow::name));
        rows.addAll(guestRows);
        return rows;
    }

    private List<Integer> allPids() throws IOException {
        List<Integer> pids = new ArrayList<>();
        try (Stream<Path> s = Files.list(proc)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .forEach(n -> pids.add(Integer.parseInt(n)));
        }
        return pids;
    }
}
