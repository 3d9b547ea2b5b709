# Shared by every bench script: sourced from the project's root (after `cd "$(dirname "$0")/.."`).
#   bench_private_mounts "$@"  re-executes the script once in a private mount namespace where crun
#                              1.8 sees no cgroup-v2 controllers file (it refuses hybrid hosts), so
#                              peers are timed bare, with no wrapper inside the timing;
#   bench_init                 the scratch root $W: VSERVER_CONFDIR and VSERVER_RUNDIR in it, a
#                              guest root dir of mode 000 as vdirbase (the barrier), the cachebase
#                              of the compiled starts, the cgroup parent $PARENT, and the cleanup trap;
#   at_cleanup CMD             one more thing for the cleanup to do (run last added, first);
#   bench_odd N                dies unless N is a positive odd count (so the median is one sample);
#   median                     the middle value of an odd count of numbers on stdin;
#   to_ms                      nanoseconds on stdin as milliseconds, one decimal.
# The cleanup (on EXIT, INT, TERM, HUP, PIPE) stops the guests, runs the at_cleanup commands,
# removes the cgroups named $PARENT and $PARENT-*, unmounts whatever is left under $W and removes $W.
. scripts/lib.sh
[ "$(id -u)" = 0 ] || die "run as root"

bench_private_mounts() {
    if [ -z "${VSERVER_BENCH_MNTNS:-}" ]; then
        VSERVER_BENCH_MNTNS=1 exec unshare -m --propagation private "$PWD/bench/${0##*/}" "$@"
    fi
    # An empty file over the controllers file: vserver's own choice does not change (it enables
    # cpu, cpuset, memory, pids, io where offered; this host's cgroup2 offers only hugetlb).
    if [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then
        : > /run/vserver-bench-empty.$$
        mount --bind /run/vserver-bench-empty.$$ /sys/fs/cgroup/unified/cgroup.controllers
        rm -f /run/vserver-bench-empty.$$   # the bind keeps the inode; nothing is left on the host
    fi
}

bench_init() {
    W=$(mktemp -d /tmp/vserver-bench-XXXXXX)
    export VSERVER_CONFDIR=$W/etc VSERVER_RUNDIR=$W/run
    mkdir -p "$W/etc/.defaults/cgroup" "$W/guests"
    # the bench guests' id ranges: files of the bench's own, never the host's /etc/subuid
    printf 'root:1000000:4194304\n' > "$W/subuid"; cp "$W/subuid" "$W/subgid"
    export VSERVER_SUBUID=$W/subuid VSERVER_SUBGID=$W/subgid
    chmod 000 "$W/guests"   # VServer's barrier: no host user but root reaches a guest tree
    ln -s "$W/guests" "$W/etc/.defaults/vdirbase"
    mkdir -m 700 "$W/cache"; ln -s "$W/cache" "$W/etc/.defaults/cachebase"   # the compiled starts: not the host's
    mkdir -m 700 "$W/logs"; ln -s "$W/logs" "$W/etc/.defaults/logbase"         # the console logs: not the host's
    ln -s "$W/lxcfs" "$W/etc/.defaults/lxcfs"   # the lxcfs of the guests' views: the bench's own, stopped by the cleanup
    PARENT=vservers-bench-$$
    echo "$PARENT" > "$W/etc/.defaults/cgroup/base"
    BENCH_CLEANUP=:
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    trap 'exit 141' PIPE
}

at_cleanup() { BENCH_CLEANUP="$1; $BENCH_CLEANUP"; }

bench_cleanup() {
    set +e
    trap - EXIT INT TERM HUP PIPE
    for g in $(ls "$W/run" 2>/dev/null); do [ -d "$W/run/$g" ] && ${BENCH_IN:-} bin/vserver "$g" stop >/dev/null 2>&1; done
    eval "$BENCH_CLEANUP"
    [ -s "$W/run/.lxcfs.pid" ] && kill "$(cat "$W/run/.lxcfs.pid")" 2>/dev/null && sleep 0.3
    for h in /sys/fs/cgroup/*/"$PARENT" /sys/fs/cgroup/*/"$PARENT"-*; do
        [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    awk -v w="$W" '$5 == w || index($5, w "/") == 1 {print $5}' /proc/self/mountinfo | sort -r |
        while read -r m; do umount -l "$m"; done
    rm -rf --one-file-system "$W"
}

bench_odd() {
    case $1 in ''|*[!0-9]*) die "runs: '$1' is not a number";; esac
    [ "$1" -gt 0 ] && [ $(($1 % 2)) = 1 ] || die "runs: $1 is not odd (the median is the middle sample)"
}

median() {
    sort -g | awk '{a[NR] = $1} END {
        if (NR % 2 == 0) { print "median of " NR " values: not an odd count" > "/dev/stderr"; exit 1 }
        print a[(NR + 1) / 2] }'
}

to_ms() { awk '{printf "%.1f", $1 / 1e6}'; }
