package org.vserver.cgroup;

import java.util.Optional;
import org.vserver.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixture tree cannot run BPF: records each attach, and refuses one to a directory that does not
 * exist (as open(2) of the cgroup would), so the order "mkdir, then attach" is checked too.
 */
final class RecordingDevicePolicy implements DevicePolicy {
    final List<Path> attached = new ArrayList<>();

    @Override
    public void attach(Path cgroup) throws IOException {
        if (!Files.isDirectory(cgroup)) throw new IOException("open(`" + cgroup + "`) failed: No such file or directory");
        attached.add(cgroup);
    }

    /** The step the real policy plans ({@link BpfDevicePolicy}): what a plan carries is the program itself. */
    @Override
    public Optional<Step> step(Path cgroup) {
        return new BpfDevicePolicy(null, DeviceRules.ALLOW).step(cgroup);
    }

    @Override
    public List<Integer> attached(Path cgroup) {
        return attached.contains(cgroup) ? List.of(attached.indexOf(cgroup) + 1) : List.of();
    }
}
