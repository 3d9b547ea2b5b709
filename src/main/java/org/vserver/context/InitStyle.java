package org.vserver.context;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vserver.config.GuestConfig.InitConfig;

/**
 * How a guest's init is started and stopped (vserver.md §7.5). Every style but {@code plain}
 * runs its start command under the launcher's minimal reaper as PID 1: a sysv rc script exits
 * once the daemons are started, and the guest must go on running.
 *
 * @param start   argv of the start command
 * @param stop    argv of the stop command run inside the guest; empty = signal the init (plain)
 * @param reaper  whether a reaper is PID 1 (false: the start command is PID 1 itself)
 * @param startEnv extra environment of the start command (RUNLEVEL, PREVLEVEL for sysv)
 * @param stopEnv  extra environment of the stop command
 * @param stopSignal what asks an init without a stop command to shut down: SIGINT for a plain init
 *                 (ctrl-alt-del), SIGRTMIN+3 for systemd (its Container Interface)
 */
public record InitStyle(String name, List<String> start, List<String> stop, boolean reaper,
                        Map<String, String> startEnv, Map<String, String> stopEnv, int stopSignal) {

    /** The style of a guest whose init is systemd (systemd.io/CONTAINER_INTERFACE). */
    public static final String SYSTEMD = "systemd";
    /** SIGRTMIN+3 as systemd counts it: glibc's SIGRTMIN is 34 (it keeps the kernel's 32 and 33 for itself). */
    public static final int SIGRTMIN_PLUS_3 = 37;
    /** What {@code $container} says to a systemd guest (systemd-detect-virt reports it as container-other). */
    public static final String CONTAINER = "vserver";

    public static final List<String> DEFAULT_RESCUE = List.of("/bin/sleep", "900");

    /** The style of the configuration; {@code rescueCmd} non-null selects {@code rescue}. */
    public static InitStyle of(InitConfig init, List<String> rescueCmd) {
        Map<String, String> none = Map.of();
        InitStyle base = switch (rescueCmd != null ? "rescue" : init.style()) {
            case "rescue" -> new InitStyle("rescue", rescueCmd == null || rescueCmd.isEmpty() ? DEFAULT_RESCUE : rescueCmd,
                    List.of(), true, none, none, 2);
            case "plain" -> new InitStyle("plain", withRunlevel("/sbin/init", init.runlevelStart()), List.of(), false, none, none, 2);
            // systemd is PID 1 itself, told it runs in a container by $container, stopped by SIGRTMIN+3
            case SYSTEMD -> new InitStyle(SYSTEMD, List.of("/sbin/init"), List.of(), false, Map.of("container", CONTAINER), none,
                    SIGRTMIN_PLUS_3);
            case "minit" -> new InitStyle("minit", List.of("/sbin/minit-start"), List.of("/sbin/minit-stop"), true, none, none, 0);
            // Gentoo's vserver script, as util-vserver ran it
            case "gentoo" -> new InitStyle("gentoo", List.of("/lib/rc/sh/init-vserver.sh", "default"),
                    List.of("/sbin/rc", "shutdown"), true, none, Map.of("RUNLEVEL", "0"), 0);
            // OpenRC as Alpine (and a current Gentoo) has it: its runlevels in order, under the reaper
            case "openrc" -> new InitStyle("openrc", List.of("/bin/sh", "-c",
                    "/sbin/openrc sysinit && /sbin/openrc boot && exec /sbin/openrc " + openrcLevel(init.runlevelStart())),
                    List.of("/sbin/openrc", "shutdown"), true, none, none, 0);
            default -> new InitStyle("sysv", List.of("/etc/init.d/rc", init.runlevelStart()),
                    List.of("/etc/init.d/rc", init.runlevelStop()), true,
                    levels("N", init.runlevelStart()), levels(init.runlevelStart(), init.runlevelStop()), 0);
        };
        if (rescueCmd != null) return base;
        // cmd.start / cmd.stop override any style (apps/init/cmd.*).
        return new InitStyle(base.name, init.cmdStart().isEmpty() ? base.start : init.cmdStart(),
                init.cmdStop().isEmpty() ? base.stop : init.cmdStop(), base.reaper, base.startEnv, base.stopEnv, base.stopSignal);
    }

    /** OpenRC's runlevel: a sysv number (the default 3) means its {@code default}. */
    private static String openrcLevel(String runlevel) {
        return runlevel == null || runlevel.matches("[0-9S]") ? "default" : runlevel;
    }

    private static List<String> withRunlevel(String init, String runlevel) {
        List<String> argv = new ArrayList<>(List.of(init));
        if (runlevel != null && !runlevel.isEmpty() && !runlevel.equals("3")) argv.add(runlevel);
        return argv;
    }

    private static Map<String, String> levels(String prev, String now) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("PREVLEVEL", prev);
        m.put("RUNLEVEL", now);
        return m;
    }
}
