package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vserver.plan.Step;

/**
 * The writes {@link CgroupManager#apply} makes into a fresh cgroup, found by applying to one: a
 * probe cgroup beside where the guest's will be, created, applied to through this recording
 * writer, and removed. The recorded paths name the probe; {@link #steps} names the guest instead.
 * Reading what a fresh cgroup holds (the kernel's defaults, which files a controller offers here)
 * is why there is a probe at all: the controllers decide their writes from those reads.
 */
final class ProbeWrites implements CgroupWriter {
    private final List<Path> files = new ArrayList<>();
    private final List<String> values = new ArrayList<>();

    /** The probe's guest directory, below a probe parent of its own. */
    static final String PROBE_GUEST = "g";

    /**
     * A parent name no guest setup has (names never start with a dot), unique to this thread of
     * this process: made at the hierarchies' roots and removed by the same thread, so no other start
     * or stop (which remove an empty shared parent) ever races with it.
     */
    static String probeParent() {
        return ".vserver-probe-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId();
    }

    @Override
    public void write(Path file, String value) {
        files.add(file);
        values.add(value);
    }

    /**
     * The recorded writes as WRITE_FILE steps, the probe's directories replaced by the guest's:
     * {@code <mount>/<probe>/g/f} becomes {@code <mount>/<parent>/<guest>/f}, and a write into the
     * probe parent itself one into the guest's parent.
     */
    List<Step> steps(String probe, String parent, String guest) {
        var out = new ArrayList<Step>();
        for (int i = 0; i < files.size(); i++) {
            String p = files.get(i).toString();
            String inGuest = "/" + probe + "/" + PROBE_GUEST + "/", inParent = "/" + probe + "/";
            if (p.contains(inGuest)) p = p.replace(inGuest, "/" + parent + "/" + guest + "/");
            else if (p.contains(inParent)) p = p.replace(inParent, "/" + parent + "/");
            out.add(new Step.WriteFile(p, values.get(i)));
        }
        return out;
    }

    /**
     * Applies {@code limits} to the probe cgroup of {@code recording} (a manager writing through
     * this, with {@link #probeParent} as its parent), made and removed through {@code real} (the same,
     * writing for real).
     */
    static CgroupManager.StartSteps limits(CgroupManager real, CgroupManager recording, ProbeWrites writes, String probe,
                                           String parent, String guest, CgroupLimits limits) throws IOException {
        if (limits.equals(CgroupLimits.DEFAULT)) return new CgroupManager.StartSteps(List.of(), List.of());
        try {
            real.create(PROBE_GUEST);
            List<String> notes = recording.apply(PROBE_GUEST, limits);
            return new CgroupManager.StartSteps(writes.steps(probe, parent, guest), notes);
        } finally {
            real.remove(PROBE_GUEST);
            real.removeParent();
        }
    }
}
