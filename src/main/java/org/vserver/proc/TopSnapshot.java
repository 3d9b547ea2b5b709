package org.vserver.proc;

import java.time.Instant;
import java.util.List;

/**
 * What vtop shows at one refresh.
 *
 * @param time            when /proc was read
 * @param intervalSeconds the interval the CPU percentages cover; 0 for the first snapshot, whose
 *                        percentages are averages over each process's lifetime (as ps shows them)
 * @param guests          the host (xid 0) first, then the running guests by xid
 * @param processes       every process, in the order of the scan
 */
public record TopSnapshot(Instant time, double intervalSeconds, List<TopGuest> guests, List<TopProcess> processes) {

    /** The processes {@code view} shows: only its guest's if it has one, sorted its way. */
    public List<TopProcess> shown(TopView view) {
        return processes.stream().filter(p -> view.guest().isEmpty() || p.xid() == view.guest().getAsInt())
                .sorted(view.sort().order()).toList();
    }

    /** The same snapshot with the processes sorted and filtered as {@code view} says. */
    public TopSnapshot as(TopView view) {
        return new TopSnapshot(time, intervalSeconds, guests, shown(view));
    }
}
