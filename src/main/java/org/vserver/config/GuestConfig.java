package org.vserver.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.vserver.kernel.Capability;
import org.vserver.limits.ResourceConfig;

/**
 * Everything a guest's configuration directory says, after falling back to {@code .defaults/}:
 * util-vserver's layout (one value per file) read into immutable records.
 *
 * @param name          the directory's basename: what run state, cgroups and tools key the guest by (the {@code name} file is only a label)
 * @param cfgdir        /etc/vservers/NAME
 * @param vdir          the guest root ({@code vdir} link, else {@code .defaults/vdirbase}/NAME)
 * @param context       static XID ({@code context}); empty = none given
 * @param uts           {@code uts/nodename}, {@code uts/domainname}
 * @param bcapabilities {@code bcapabilities}: changes to the secure default bounding set
 * @param ccapabilities {@code ccapabilities}: changes to the default context capabilities (aliases such as
 *                      {@code ping} resolved to {@code RAW_ICMP})
 * @param fstab         {@code fstab}, in file order
 * @param init          {@code apps/init/}
 * @param shell         {@code shell} split into argv; empty = the built-in order
 * @param nice          {@code nice}
 * @param interfaces    {@code interfaces/NN/}, sorted by directory name 
 * @param resources     {@code sched/}, {@code cpuset/}, {@code rlimits/}, {@code ulimits/}, {@code ionice/} and the scheduler cflags
 * @param proc          what the guest sees of /proc and /sys: the secure default after {@code apps/vprocunhide/files}
 *                      of {@code .defaults} and of the guest ({@link ProcUnhide})
 * @param seccomp       {@code seccomp/} of {@code .defaults} and of the guest: changes to the default filter ({@link SeccompFiles})
 * @param network       the guest-wide files of {@code interfaces/}: the network mode and its settings
 * @param console       {@code console/} of the guest, else of {@code .defaults}: the console's cap
 * @param userns        {@code userns/} of the guest: its id ranges and the opt-out ({@link UsernsFiles})
 */
public record GuestConfig(
        String name,
        Path cfgdir,
        Path vdir,
        OptionalInt context,
        Uts uts,
        List<CapabilityChange> bcapabilities,
        List<ContextCapabilityChange> ccapabilities,
        List<FstabEntry> fstab,
        InitConfig init,
        List<String> shell,
        OptionalInt nice,
        List<InterfaceConfig> interfaces,
        ResourceConfig resources,
        ProcVisibility proc,
        SeccompConfig seccomp,
        NetworkConfig network,
        ConsoleConfig console,
        UsernsConfig userns) {

    /** This configuration with {@code userns} instead (the ranges allocated at start). */
    public GuestConfig withUserns(UsernsConfig userns) {
        return new GuestConfig(name, cfgdir, vdir, context, uts, bcapabilities, ccapabilities, fstab, init, shell, nice, interfaces,
                resources, proc, seccomp, network, console, userns);
    }

    /** A guest with no {@code userns/} files. */
    public GuestConfig(String name, Path cfgdir, Path vdir, OptionalInt context, Uts uts, List<CapabilityChange> bcapabilities,
                       List<ContextCapabilityChange> ccapabilities, List<FstabEntry> fstab, InitConfig init, List<String> shell, OptionalInt nice,
                       List<InterfaceConfig> interfaces, ResourceConfig resources, ProcVisibility proc,
                       SeccompConfig seccomp, NetworkConfig network, ConsoleConfig console) {
        this(name, cfgdir, vdir, context, uts, bcapabilities, ccapabilities, fstab, init, shell, nice, interfaces, resources, proc,
                seccomp, network, console, UsernsConfig.NONE);
    }

    /** A guest with the default console. */
    public GuestConfig(String name, Path cfgdir, Path vdir, OptionalInt context, Uts uts, List<CapabilityChange> bcapabilities,
                       List<ContextCapabilityChange> ccapabilities, List<FstabEntry> fstab, InitConfig init, List<String> shell, OptionalInt nice,
                       List<InterfaceConfig> interfaces, ResourceConfig resources, ProcVisibility proc,
                       SeccompConfig seccomp, NetworkConfig network) {
        this(name, cfgdir, vdir, context, uts, bcapabilities, ccapabilities, fstab, init, shell, nice, interfaces, resources, proc,
                seccomp, network, ConsoleConfig.DEFAULT);
    }

    public GuestConfig {
        bcapabilities = List.copyOf(bcapabilities);
        ccapabilities = List.copyOf(ccapabilities);
        fstab = List.copyOf(fstab);
        shell = List.copyOf(shell);
        interfaces = List.copyOf(interfaces);
    }

    /** {@code uts/nodename} and {@code uts/domainname}; null where the file is absent. */
    public record Uts(String nodename, String domainname) {}

    /** One line of {@code bcapabilities} or {@code ccapabilities}: adds one capability to a default set, or removes it. */
    public sealed interface Change<C extends Enum<C>> permits CapabilityChange, ContextCapabilityChange {
        C capability();
        boolean add();
    }

    /** One line of {@code bcapabilities}: {@code CAP_X} adds, {@code !CAP_X} or {@code ~CAP_X} removes. */
    public record CapabilityChange(Capability capability, boolean add) implements Change<Capability> {}

    /** One line of {@code ccapabilities}: {@code raw_icmp} adds, {@code !raw_icmp} or {@code ~raw_icmp} removes. */
    public record ContextCapabilityChange(ContextCapability capability, boolean add) implements Change<ContextCapability> {}

    /**
     * One {@code fstab} line: {@code spec file vfstype options [dump [pass]]}.
     *
     * @param source  the spec (device, directory, or {@code none}/{@code proc}/... for virtual fs)
     * @param target  the mount point inside the guest, absolute
     * @param type    the filesystem type; {@code none} together with {@code bind} in options = bind mount
     * @param options the comma-separated options, in order
     * @param line    the line number in the file, for messages
     */
    public record FstabEntry(String source, String target, String type, List<String> options, int line) {
        public FstabEntry { options = List.copyOf(options); }
    }

    /**
     * {@code apps/init/}.
     *
     * @param style         {@code style}: sysv (default), plain, rescue, ...
     * @param runlevelStart {@code runlevel.start}, else {@code runlevel}, else "3"
     * @param runlevelStop  {@code runlevel.stop}, else "6"
     * @param cmdStart      {@code cmd.start}, one argument per line; empty = the style's
     * @param cmdStop       {@code cmd.stop}; empty = the style's
     * @param killseq       {@code killseq} as {@code sig [wait sig]*}, default 15 5 9
     * @param environment   {@code environment} VAR=VAL lines, in order; default PATH only
     * @param stopTimeout   {@code timeout.stop}: seconds stop waits for the init to shut down after asking
     *                      it to (its stop signal or command), before the kill sequence; default 30
     * @param startTimeout  {@code timeout.start}: seconds a systemd guest's start waits for its boot to
     *                      finish; default 90
     */
    public record InitConfig(String style, String runlevelStart, String runlevelStop, List<String> cmdStart,
                             List<String> cmdStop, List<Integer> killseq, Map<String, String> environment, int stopTimeout,
                             int startTimeout) {
        public static final int DEFAULT_STOP_TIMEOUT = 30, DEFAULT_START_TIMEOUT = 90;

        public InitConfig {
            cmdStart = List.copyOf(cmdStart);
            cmdStop = List.copyOf(cmdStop);
            killseq = List.copyOf(killseq);
            environment = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(environment));
        }

        public InitConfig(String style, String runlevelStart, String runlevelStop, List<String> cmdStart,
                          List<String> cmdStop, List<Integer> killseq, Map<String, String> environment) {
            this(style, runlevelStart, runlevelStop, cmdStart, cmdStop, killseq, environment, DEFAULT_STOP_TIMEOUT,
                    DEFAULT_START_TIMEOUT);
        }
    }

    /** {@code interfaces/NN/}: {@code ip}, {@code dev}, {@code prefix}, {@code name}, {@code nodev}, {@code disabled}. */
    public record InterfaceConfig(String id, String ip, String dev, Integer prefix, String label, boolean nodev,
                                  boolean disabled) {}
}
