package org.vserver.context;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vserver.plan.PlanWriter;

/**
 * Writes the spectator's replay plan ({@link SpectatorPlanner#plan} with the command taken from the
 * launcher's command line) at build time: bin/vps runs {@code vserver-launcher --replay
 * spectator.plan -- ps ARGS} without a JVM. The plan holds no host-specific value, so one file per
 * build serves every host; scripts/install copies it next to the launcher.
 */
public final class SpectatorPlanFile {
    private SpectatorPlanFile() {}

    /** @param args the file to write, e.g. target/spectator.plan */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) throw new IllegalArgumentException("usage: SpectatorPlanFile FILE");
        Path file = Path.of(args[0]);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, PlanWriter.write(SpectatorPlanner.plan(null, null, true)));
    }
}
