package org.vserver.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * A minimal {@code /etc/init.d/rc} for the default "sysv" init style (reference §7.5: start runs
 * {@code rc 3}, stop runs {@code rc 6}), for rootfs that have none: the host method (the host's
 * rc would start the host's daemons) and a debootstrap minbase (no sysv-rc package). Services are
 * added the sysv way, as links or scripts in /etc/rcN.d.
 */
final class SysvRc {
    static final String PATH = "etc/init.d/rc";

    /**
     * POSIX sh, no other program: the host method's guest has the host's /usr only once started,
     * and the script must also run from the host on the vdir ({@code sh VDIR/etc/init.d/rc 3}),
     * so the rc directories are found next to the script rather than at /etc.
     */
    static final String SCRIPT = """
            #!/bin/sh
            # /etc/init.d/rc RUNLEVEL: a minimal sysv-rc, written by `vserver build`.
            # Runlevels 0 and 6 run every /etc/rc$RUNLEVEL.d/K[0-9][0-9]* with "stop",
            # any other runlevel every /etc/rc$RUNLEVEL.d/S[0-9][0-9]* with "start",
            # in name order, skipping what is not executable. It exits 0 even when a
            # script fails, so one broken service does not stop the guest's start or stop.

            runlevel=${1:-${RUNLEVEL:-3}}
            case $runlevel in
                0|1|2|3|4|5|6|S) ;;
                *) echo "usage: $0 RUNLEVEL (0-6 or S)" >&2; exit 1 ;;
            esac
            # The rc directories sit next to init.d/: /etc in the guest, VDIR/etc from the host.
            case $0 in
                */init.d/*) etc=${0%/init.d/*} ;;
                *)          etc=/etc ;;
            esac
            case $runlevel in
                0|6) prefix=K action=stop ;;
                *)   prefix=S action=start ;;
            esac
            RUNLEVEL=$runlevel
            PREVLEVEL=${PREVLEVEL:-N}
            export RUNLEVEL PREVLEVEL

            for script in "$etc/rc$runlevel.d/$prefix"[0-9][0-9]*; do
                [ -f "$script" ] && [ -x "$script" ] || continue
                "$script" "$action"
            done
            exit 0
            """;

    private SysvRc() {}

    /** etc/init.d/rc (unless the rootfs has one) and the empty etc/rc0.d ... rc6.d, rcS.d. */
    static void install(GuestTree tree) throws IOException {
        tree.mkdirs("etc/init.d", 0755);
        for (String level : new String[] {"0", "1", "2", "3", "4", "5", "6", "S"}) {
            tree.mkdirs("etc/rc" + level + ".d", 0755);
        }
        if (!tree.exists(PATH)) {
            tree.write(PATH, SCRIPT.getBytes(StandardCharsets.US_ASCII), 0755);
        }
    }

    /** True if the rootfs has an rc to run: the "sysv" style can start it. */
    static boolean present(GuestTree tree) {
        return tree.follow(PATH).filter(Files::isRegularFile).isPresent();
    }
}
