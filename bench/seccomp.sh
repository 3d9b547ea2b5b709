#!/bin/sh
# The seccomp filter's cost on a syscall-bound loop: 10^7 getppid(2) on the host, in a guest with
# the default filter and in a guest with seccomp/disabled (two host-method guests, plain init
# `sleep infinity`). The loop is a small C program built here with gcc and copied into each
# guest's own tree (host-method guests share the host's /usr). Median of RUNS runs each, measured
# under flock /tmp/vserver-cpu.lock (other CPU-heavy work waits). Goal: the filtered guest at
# >= 95% of the host's calls per second. The host loop is also run under a one-instruction
# allow-all filter: the floor any filter pays for the kernel's seccomp entry path. Prints the figures; never fails on a time.
# Usage: bench/seccomp.sh [RUNS]   (default 11; as root, after mvn package)
set -eu
cd "$(dirname "$0")/.."
. scripts/lib.sh
[ "$(id -u)" = 0 ] || die "run as root"
[ -f target/vserver.jar ] || build -DskipTests package
RUNS=${1:-11}
CPU=$(($(nproc) - 1))
CALLS=10000000

W=$(mktemp -d /tmp/vserver-bench-XXXXXX)
export VSERVER_CONFDIR=$W/etc VSERVER_RUNDIR=$W/run
mkdir -p "$W/etc/.defaults/cgroup" "$W/guests"
ln -s "$W/guests" "$W/etc/.defaults/vdirbase"
PARENT=vservers-bench-$$
echo "$PARENT" > "$W/etc/.defaults/cgroup/base"

cleanup() {
    set +e
    trap - EXIT INT TERM
    for g in $(ls "$W/run" 2>/dev/null); do [ -d "$W/run/$g" ] && bin/vserver "$g" stop >/dev/null 2>&1; done
    for h in /sys/fs/cgroup/*/"$PARENT"; do [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} + 2>/dev/null; done
    rm -rf --one-file-system "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# getppid is never cached by libc: each iteration enters the kernel (and the filter, if any).
# Timed in thread CPU time (user + system): on a shared host wall time measures the neighbours.
cat > "$W/loop.c" <<'C'
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
int main (int argc, char **argv)
{
  long n = argc > 1 ? atol (argv[1]) : 10000000L, i;
  struct timespec a, b;
  cpu_set_t cpus;
  /* pinned to one CPU in every run: the host and the guests' cgroups would place it differently */
  CPU_ZERO (&cpus);
  CPU_SET (argc > 2 ? atoi (argv[2]) : 0, &cpus);
  sched_setaffinity (0, sizeof cpus, &cpus);
  if (argc > 3) /* the floor: any filter at all, one instruction returning ALLOW */
    {
      struct sock_filter allow = BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
      struct sock_fprog prog = { 1, &allow };
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
        return 1;
    }
  for (i = 0; i < n / 10; i++) /* warm-up */
    syscall (SYS_getppid);
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &a);
  for (i = 0; i < n; i++)
    syscall (SYS_getppid);
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &b);
  printf ("%.0f\n", (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec));
  return 0;
}
C
gcc -O2 -static -o "$W/loop" "$W/loop.c"

for g in scbench scbenchoff; do
    bin/vserver "$g" build -m host >/dev/null
    printf 'plain\n' > "$W/etc/$g/apps/init/style"
    printf '/bin/sleep\ninfinity\n' > "$W/etc/$g/apps/init/cmd.start"
    mkdir -p "$W/guests/$g/bench"
    cp "$W/loop" "$W/guests/$g/bench/loop"
done
mkdir -p "$W/etc/scbenchoff/seccomp"
: > "$W/etc/scbenchoff/seccomp/disabled"
bin/vserver scbench start >/dev/null
bin/vserver scbenchoff start >/dev/null 2>&1
filters=$(bin/vserver scbench exec grep '^Seccomp:' /proc/self/status | tr -d '\t')
echo "calls: $CALLS per run, runs: $RUNS (median ns per call); filtered guest: $filters"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() {
    for r in $(seq "$RUNS"); do
        "$W/loop" "$CALLS" "$CPU" >> "$W/host"
        "$W/loop" "$CALLS" "$CPU" allow-all >> "$W/floor"
        bin/vserver scbench exec /bench/loop "$CALLS" "$CPU" >> "$W/guest"
        bin/vserver scbenchoff exec /bench/loop "$CALLS" "$CPU" >> "$W/off"
    done
}
: > "$W/host"; : > "$W/floor"; : > "$W/guest"; : > "$W/off"
exec 9>/tmp/vserver-cpu.lock
flock 9
measure
flock -u 9
h=$(median < "$W/host"); f=$(median < "$W/guest"); o=$(median < "$W/off"); a=$(median < "$W/floor")
awk -v h="$h" -v f="$f" -v o="$o" -v a="$a" -v n="$CALLS" 'BEGIN {
    printf "host            %6.1f ns/call  100.0%%\n", h / n
    printf "host, allow-all %6.1f ns/call  %5.1f%% of the host (a 1-instruction filter: the cost of seccomp itself)\n", a / n, 100 * h / a
    printf "guest, filter   %6.1f ns/call  %5.1f%% of the host\n", f / n, 100 * h / f
    printf "guest, disabled %6.1f ns/call  %5.1f%% of the host\n", o / n, 100 * h / o
    printf "goal: filtered guest >= 95%% of the host\n"
}'
