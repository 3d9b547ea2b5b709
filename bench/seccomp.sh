#!/bin/sh
# The seccomp filter's cost on a syscall-bound loop: 10^7 getppid(2) on the host, in a guest with
# the default filter and in a guest with seccomp/disabled (two host-method guests, plain init
# `sleep infinity`). The loop is a small C program built here with gcc and copied into each
# guest's own tree (host-method guests share the host's /usr). Median of RUNS runs each, measured
# under flock /tmp/vserver-cpu.lock (other CPU-heavy work waits). Goal: the filtered guest at
# >= 95% of the host's calls per second. The host loop is also run under a one-instruction
# allow-all filter: the floor any filter pays for the kernel's seccomp entry path. The peer: the
# same static loop in a crun container on the scbenchoff guest's root, (a) with no seccomp section,
# (b) with a deny-list (defaultAction SCMP_ACT_ALLOW, the classic dangerous syscalls ERRNO) and
# (c) with an allow-list shaped like Docker's default (defaultAction SCMP_ACT_ERRNO, ~300 syscalls
# allowed, socket/personality/clone allowed by argument), crun compiling both with libseccomp.
# crun is skipped with a reason if it cannot be installed or run. Prints the figures; never fails on a time.
# Usage: bench/seccomp.sh [RUNS]   (odd, default 11; as root, after mvn package)
# Under an outer `flock /tmp/vserver-cpu.lock`, set VSERVER_CPU_LOCKED=1 (a second flock would wait forever).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
[ -f target/vserver.jar ] || build -DskipTests package
RUNS=${1:-11}
bench_odd "$RUNS"
CPU=$(($(nproc) - 1))
CALLS=10000000
bench_private_mounts "$@"
bench_init
# crun's state lives under $W, so the cleanup sees only this run's containers.
CRUN="crun --root $W/crun"
HAVE_CRUN=yes
at_cleanup '[ -d "$W/crun" ] && for c in $($CRUN list -q 2>/dev/null); do $CRUN delete -f "$c" >/dev/null 2>&1; done'

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

# The peer: crun on scbenchoff's root (it holds /bench/loop), the mounts and namespaces of
# bench/run.sh, one container per run. json_names turns a list of words into JSON strings.
json_names() { printf '%s\n' $1 | awk 'NR > 1 {printf ","} {printf "\"%s\"", $1}'; }
# Deny-list: everything allowed but the classic dangerous syscalls (EPERM).
DENY="acct add_key bpf clock_adjtime clock_settime create_module delete_module finit_module
 get_kernel_syms get_mempolicy init_module ioperm iopl kcmp kexec_file_load kexec_load keyctl
 lookup_dcookie mbind mount move_pages name_to_handle_at nfsservctl open_by_handle_at
 perf_event_open pivot_root process_vm_readv process_vm_writev ptrace query_module
 quotactl reboot request_key set_mempolicy setns settimeofday stime swapoff swapon sysfs
 _sysctl syslog umount umount2 unshare uselib userfaultfd ustat vm86 vm86old"
# Allow-list in the shape of Docker's default for a container without CAP_SYS_ADMIN: EPERM for
# anything not listed; socket by address family, personality by persona, clone without the
# namespace flags, clone3 ENOSYS (so libc falls back to clone).
ALLOW="accept accept4 access adjtimex alarm arch_prctl bind brk capget capset chdir chmod chown
 clock_getres clock_gettime clock_nanosleep close close_range connect copy_file_range creat dup dup2
 dup3 epoll_create epoll_create1 epoll_ctl epoll_pwait epoll_pwait2 epoll_wait eventfd eventfd2
 execve execveat exit exit_group faccessat faccessat2 fadvise64 fallocate fanotify_mark fchdir
 fchmod fchmodat fchown fchownat fcntl fdatasync fgetxattr flistxattr flock fork fremovexattr
 fsetxattr fstat fstatfs fsync ftruncate futex futex_waitv futimesat getcpu getcwd getdents
 getdents64 getegid geteuid getgid getgroups getitimer getpeername getpgid getpgrp getpid getppid
 getpriority getrandom getresgid getresuid getrlimit get_robust_list getrusage getsid getsockname
 getsockopt get_thread_area gettid gettimeofday getuid getxattr inotify_add_watch inotify_init
 inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents ioprio_get
 ioprio_set io_setup io_submit io_uring_enter io_uring_register io_uring_setup kill
 landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lgetxattr link linkat
 listen listxattr llistxattr lremovexattr lseek lsetxattr lstat madvise membarrier memfd_create
 memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap modify_ldt mprotect
 mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedsend mq_unlink mremap msgctl msgget msgrcv
 msgsnd msync munlock munlockall munmap nanosleep newfstatat open openat openat2 pause pidfd_getfd
 pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll prctl
 pread64 preadv preadv2 prlimit64 process_mrelease pselect6 pwrite64 pwritev pwritev2 read
 readahead readlink readlinkat readv recvfrom recvmmsg recvmsg remap_file_pages removexattr
 rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask
 rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_tgsigqueueinfo sched_getaffinity
 sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler
 sched_rr_get_interval sched_setaffinity sched_setattr sched_setparam sched_setscheduler
 sched_yield seccomp select semctl semget semop semtimedop sendfile sendmmsg sendmsg sendto
 setfsgid setfsuid setgid setgroups setitimer setpgid setpriority setregid setresgid setresuid
 setreuid setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address setuid
 setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 socketpair splice stat
 statfs statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create
 timer_delete timer_getoverrun timer_gettime timer_settime timerfd_create timerfd_gettime
 timerfd_settime times tkill truncate umask uname unlink unlinkat utime utimensat utimes vfork
 vmsplice wait4 waitid write writev"
arg_rules() {   # arg_rules SYSCALL INDEX OP VALUE...: one ALLOW rule per value
    n=$1 i=$2 op=$3; shift 3
    for v; do printf ',\n {"names": ["%s"], "action": "SCMP_ACT_ALLOW", "args": [{"index": %s, "value": %s, "op": "%s"}]}' "$n" "$i" "$v" "$op"; done
}
{
    printf '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],\n'
    printf ' "syscalls": [{"names": [%s], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}\n' "$(json_names "$DENY")"
} > "$W/deny.json"
{
    printf '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],\n'
    printf ' "syscalls": [{"names": [%s], "action": "SCMP_ACT_ALLOW"}' "$(json_names "$ALLOW")"
    arg_rules socket 0 SCMP_CMP_LT 12
    arg_rules socket 0 SCMP_CMP_EQ 13 14 15 16 17 18 21 22 24 26 27 28 29 30 31 32 33 35 36 39 41 42 43 44 45
    arg_rules personality 0 SCMP_CMP_EQ 0 8 131072 131080 4294967295
    printf ',\n {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}'
    printf ',\n {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}\n'
} > "$W/allow.json"
crun_config() {   # crun_config ID SECCOMP-FILE|-: a bundle config running the loop once
    seccomp=; [ "$2" = - ] || seccomp=", \"seccomp\": $(cat "$2")"
    cat > "$W/bundle/$1.json" <<JSON
{ "ociVersion": "1.0.2",
  "process": { "terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/bench/loop", "$CALLS", "$CPU"], "cwd": "/",
               "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "noNewPrivileges": true,
               "capabilities": { "bounding": ["CAP_CHOWN","CAP_KILL"], "effective": ["CAP_CHOWN","CAP_KILL"], "permitted": ["CAP_CHOWN","CAP_KILL"] } },
  "root": { "path": "$W/guests/scbenchoff", "readonly": false },
  "hostname": "scbench",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid","strictatime","mode=755","size=65536k"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid","noexec","nodev","ro"]},
    {"destination": "/usr", "type": "bind", "source": "/usr", "options": ["rbind","ro"]} ],
  "linux": { "namespaces": [ {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "network"}, {"type": "cgroup"} ],
             "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
             "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
             "cgroupsPath": "/$PARENT-crun-$1"$seccomp } }
JSON
}
CRUN_SEQ=0
crun_loop() {   # crun_loop SECCOMP-FILE|-: one run of the loop in a fresh container, its ns on stdout
    CRUN_SEQ=$((CRUN_SEQ + 1)); id=sc$$-$CRUN_SEQ
    crun_config "$id" "$1"
    $CRUN run -b "$W/bundle" --config "$W/bundle/$id.json" "$id" 2>> "$W/crun.err"
}
if ! command -v crun >/dev/null 2>&1; then
    need_packages crun:crun >/dev/null 2>&1 || true
fi
mkdir -p "$W/bundle" "$W/crun"
if ! command -v crun >/dev/null 2>&1; then
    HAVE_CRUN="crun is not installed and could not be"
else
    for p in - "$W/deny.json" "$W/allow.json"; do
        out=$(crun_loop "$p" 2>&1) || { HAVE_CRUN="crun run failed: $(tail -n 1 "$W/crun.err")"; break; }
        case $out in ''|*[!0-9]*) HAVE_CRUN="crun run printed '$out': $(tail -n 1 "$W/crun.err")"; break;; esac
    done
fi
echo "calls: $CALLS per run, runs: $RUNS (median ns per call); filtered guest: $filters"

measure() {
    for r in $(seq "$RUNS"); do
        "$W/loop" "$CALLS" "$CPU" >> "$W/host"
        "$W/loop" "$CALLS" "$CPU" allow-all >> "$W/floor"
        bin/vserver scbench exec /bench/loop "$CALLS" "$CPU" >> "$W/guest"
        bin/vserver scbenchoff exec /bench/loop "$CALLS" "$CPU" >> "$W/off"
        if [ "$HAVE_CRUN" = yes ]; then
            crun_loop - >> "$W/crun-none"
            crun_loop "$W/deny.json" >> "$W/crun-deny"
            crun_loop "$W/allow.json" >> "$W/crun-allow"
        fi
    done
}
: > "$W/host"; : > "$W/floor"; : > "$W/guest"; : > "$W/off"; : > "$W/crun-none"; : > "$W/crun-deny"; : > "$W/crun-allow"
if [ "${VSERVER_CPU_LOCKED:-}" != 1 ]; then exec 9>/tmp/vserver-cpu.lock; flock 9; fi
measure
[ "${VSERVER_CPU_LOCKED:-}" = 1 ] || flock -u 9
h=$(median < "$W/host"); f=$(median < "$W/guest"); o=$(median < "$W/off"); a=$(median < "$W/floor")
awk -v h="$h" -v f="$f" -v o="$o" -v a="$a" -v n="$CALLS" 'BEGIN {
    printf "host            %6.1f ns/call  100.0%%\n", h / n
    printf "host, allow-all %6.1f ns/call  %5.1f%% of the host (a 1-instruction filter: the cost of seccomp itself)\n", a / n, 100 * h / a
    printf "guest, filter   %6.1f ns/call  %5.1f%% of the host\n", f / n, 100 * h / f
    printf "guest, disabled %6.1f ns/call  %5.1f%% of the host\n", o / n, 100 * h / o
}'
if [ "$HAVE_CRUN" = yes ]; then
    cn=$(median < "$W/crun-none"); cd=$(median < "$W/crun-deny"); ca=$(median < "$W/crun-allow")
    awk -v h="$h" -v o="$o" -v f="$f" -v cn="$cn" -v cd="$cd" -v ca="$ca" -v n="$CALLS" -v nd="$(echo $DENY | wc -w)" -v na="$(echo $ALLOW | wc -w)" 'BEGIN {
    printf "crun, no filter %6.1f ns/call  %5.1f%% of the host\n", cn / n, 100 * h / cn
    printf "crun, deny-list %6.1f ns/call  %5.1f%% of the host, %5.1f%% of crun without (%d syscalls EPERM, the rest allowed)\n", cd / n, 100 * h / cd, 100 * cn / cd, nd
    printf "crun, allowlist %6.1f ns/call  %5.1f%% of the host, %5.1f%% of crun without (Docker-like: %d syscalls + socket/personality/clone by argument, the rest EPERM)\n", ca / n, 100 * h / ca, 100 * cn / ca, na
    printf "side by side: filter/unfiltered  vserver %5.1f%%   crun deny-list %5.1f%%   crun allow-list %5.1f%%\n", 100 * o / f, 100 * cn / cd, 100 * cn / ca
    }'
else
    echo "crun: skipped: $HAVE_CRUN"
fi
echo "goal: filtered guest >= 95% of the host"
