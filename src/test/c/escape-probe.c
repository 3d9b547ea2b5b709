/*
 * escape-probe: one attack per subcommand, run by guest root inside a live guest (EscapeIT).
 * Prints exactly one line "RESULT name outcome detail" and exits
 *   0  the attack failed (outcome "blocked": refused with errno detail; "contained": it ran but
 *      stayed inside the guest, detail says what was seen),
 *   1  the attack SUCCEEDED (outcome "escaped"),
 *   2  the probe could not run it (outcome "skipped").
 * Where an attack could harm the host if it worked, the probe passes arguments that fail right
 * after the kernel's permission check (an invalid flag, a missing file): then "not EPERM" is the
 * escape, and nothing happens either way. Classes: security.md §4 and §6.
 *
 * "escaped" is strict: any success of a call the default guest must be refused (its seccomp filter,
 * its bounding set) counts. In a user-namespace guest with those defences switched off
 * (EscapeIT.theUserNamespaceAloneHolds) some calls then succeed without leaving the guest:
 * unshare/clone of a namespace creates one owned by the guest's user namespace (userns_locked_mounts
 * shows the copied mounts stay locked), setns_net joins the guest's own netns. The test decides
 * which attacks the user namespace alone must refuse; this file only reports what happened.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/userfaultfd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

static const char *ename(int e) {
    const char *n = strerrorname_np(e);
    return n ? n : "E?";
}

static int out(const char *name, const char *outcome, const char *detail) {
    printf("RESULT %s %s %s\n", name, outcome, detail);
    fflush(stdout);
    return strcmp(outcome, "escaped") == 0 ? 1 : strcmp(outcome, "skipped") == 0 ? 2 : 0;
}

/* The errno of CALL, read after it (an argument list has no evaluation order). */
#define MUST_FAIL(n, call) ({ long rc_ = (long)(call); int e_ = errno; must_fail(n, rc_, e_); })
#define GATED(n, call) ({ long rc_ = (long)(call); int e_ = errno; gated(n, rc_, e_); })

/* The attack is a call that must fail: any failure blocks it. */
static int must_fail(const char *name, long rc, int err) {
    return rc < 0 ? out(name, "blocked", ename(err)) : out(name, "escaped", "-");
}

/* The call is gated by a capability or an absent feature: only these errnos mean "refused". */
static int gated(const char *name, long rc, int err) {
    if (rc < 0 && (err == EPERM || err == EACCES || err == ENOSYS || err == EROFS))
        return out(name, "blocked", ename(err));
    return out(name, "escaped", rc < 0 ? ename(err) : "-");
}

/* Runs fn in a child (so namespace changes and mounts die with it): its exit code, -1 if there was none. */
static int child_exit(int (*fn)(void)) {
    pid_t p = fork();
    if (p < 0) return -1;
    if (p == 0) _exit(fn());
    int st;
    waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* fn's exit code is an errno or 0. */
static int in_child(const char *name, int (*fn)(void), int gate) {
    int e = child_exit(fn);
    if (e < 0) return out(name, "skipped", "no-child-or-killed");
    return gate ? gated(name, e ? -1 : 0, e) : must_fail(name, e ? -1 : 0, e);
}

/* ---- namespace creation (§3.1 clone/unshare/setns; §4.7, §4.18: userns exposes kernel attack surface) ---- */

static int ns_flag(const char *t) {
    static const struct { const char *n; int f; } m[] = {
        {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS}, {"pid", CLONE_NEWPID}, {"net", CLONE_NEWNET},
        {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC}, {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}};
    for (unsigned i = 0; i < sizeof m / sizeof *m; i++) if (!strcmp(m[i].n, t)) return m[i].f;
    return 0;
}

static int a_unshare(const char *name, const char *t) {
    long rc = unshare(ns_flag(t));
    return MUST_FAIL(name, rc);
}

/* setns into pid 1's namespaces: pid 1 is the guest's own init, so even success stays inside; it
 * needs CAP_SYS_ADMIN over the namespace's owner. Where pid 1's ns files cannot be opened (a userns
 * guest's init, EACCES), our own are the same namespaces: setns into them still meets the kernel's
 * check, so the refusal is setns's, not open's. */
static int a_setns(const char *name, const char *t) {
    char p[64];
    snprintf(p, sizeof p, "/proc/1/ns/%s", t);
    int fd = open(p, O_RDONLY);
    if (fd < 0) {
        snprintf(p, sizeof p, "/proc/self/ns/%s", t);
        fd = open(p, O_RDONLY);
    }
    if (fd < 0) return out(name, "blocked", ename(errno));
    long rc = setns(fd, 0);
    return MUST_FAIL(name, rc);
}

static int a_clone_newuser(const char *name, const char *arg) {
    (void)arg;
    long p = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (p == 0) _exit(0);
    int e = errno;
    if (p > 0) waitpid(p, 0, 0);
    return must_fail(name, p, e);
}

/* clone3 hides its flags from seccomp behind a pointer: the filter must answer ENOSYS so libc falls back to clone. */
static int a_clone3_newuser(const char *name, const char *arg) {
    (void)arg;
    struct clone_args ca = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
    long p = syscall(SYS_clone3, &ca, sizeof ca);
    if (p == 0) _exit(0);
    int e = errno;
    if (p > 0) waitpid(p, 0, 0);
    return must_fail(name, p, e);
}

static int userns_mount_fn(void) {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS)) return errno;
    return mount("none", "/tmp", "tmpfs", 0, "size=64k") ? errno : 0;
}

/* §4.8 no_pivot.bats: a fresh procfs in a new userns+pidns would show unmasked sysrq-trigger; the kernel refuses while /proc has locked masks. */
static int userns_procfs_fn(void) {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID)) return errno;
    pid_t p = fork();
    if (p < 0) return errno;
    if (p == 0) {
        mkdir("/tmp/escape-proc", 0755);
        _exit(mount("proc", "/tmp/escape-proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0) ? errno : 0);
    }
    int st;
    waitpid(p, &st, 0);
    rmdir("/tmp/escape-proc");
    return WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
}

/* CVE-2022-0492: unshare -UrmC, mount a v1 hierarchy, write release_agent (runs as host root on release). */
static int userns_release_agent_fn(void) {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWCGROUP)) return errno;
    mkdir("/tmp/escape-cg", 0755);
    static const char *ctl[] = {"rdma", "memory", "pids", "cpu"};
    int e = ENOENT;
    for (unsigned i = 0; i < 4; i++) {
        if (mount("cgroup", "/tmp/escape-cg", "cgroup", 0, ctl[i])) { e = errno; continue; }
        int fd = open("/tmp/escape-cg/release_agent", O_RDWR);
        if (fd < 0) return errno;
        char cur[4096];
        ssize_t n = read(fd, cur, sizeof cur);          /* write back what is there: never change the host's agent */
        if (n < 0) return errno;
        return pwrite(fd, n ? cur : "\n", n ? n : 1, 0) < 0 ? errno : 0;
    }
    return e;
}

static int a_userns_mount(const char *n, const char *a) { (void)a; return in_child(n, userns_mount_fn, 0); }
static int a_userns_procfs(const char *n, const char *a) { (void)a; return in_child(n, userns_procfs_fn, 0); }
static int a_userns_release_agent(const char *n, const char *a) { (void)a; return in_child(n, userns_release_agent_fn, 0); }

/* ---- mounting (§2.2, §4.4, §4.15) ---- */

static int a_mount(const char *name, const char *what) {
    mkdir("/tmp/escape-mnt", 0755);
    long rc;
    if (!strcmp(what, "tmpfs")) rc = mount("none", "/tmp/escape-mnt", "tmpfs", 0, "size=64k");
    else if (!strcmp(what, "bind_root")) rc = mount("/", "/tmp/escape-mnt", 0, MS_BIND | MS_REC, 0);
    else if (!strcmp(what, "binfmt_misc")) rc = mount("binfmt_misc", "/tmp/escape-mnt", "binfmt_misc", 0, 0);
    else if (!strcmp(what, "proc_sys_rw")) {                                  /* clear ro on the /proc/sys bind */
        rc = mount(0, "/proc/sys", 0, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
        int e = errno;
        if (rc == 0) mount(0, "/proc/sys", 0, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
        rmdir("/tmp/escape-mnt");
        return must_fail(name, rc, e);
    } else if (!strcmp(what, "proc_over_sys")) {
        rc = mount("proc", "/proc/sys", "proc", 0, 0);
        int e = errno;
        if (rc == 0) umount2("/proc/sys", MNT_DETACH);
        rmdir("/tmp/escape-mnt");
        return must_fail(name, rc, e);
    } else if (!strcmp(what, "umount_mask")) {
        rc = umount2("/proc/keys", MNT_DETACH);
        rmdir("/tmp/escape-mnt");
        return MUST_FAIL(name, rc);
    } else if (!strcmp(what, "umount_view")) {                                 /* lxcfs's meminfo: the host's would show */
        rc = umount2("/proc/meminfo", MNT_DETACH);
        rmdir("/tmp/escape-mnt");
        return MUST_FAIL(name, rc);
    } else if (!strcmp(what, "fsopen")) {                                      /* the new mount API */
        rc = syscall(SYS_fsopen, "tmpfs", 0);
        rmdir("/tmp/escape-mnt");
        return MUST_FAIL(name, rc);
    } else return out(name, "skipped", "unknown-mount");
    int e = errno;
    if (rc == 0) umount2("/tmp/escape-mnt", MNT_DETACH);
    rmdir("/tmp/escape-mnt");
    return must_fail(name, rc, e);
}

/* Attaches the detached mount M on /tmp/escape-mnt (and takes it off again if that worked). */
static int attach_detached(const char *name, int m) {
    mkdir("/tmp/escape-mnt", 0755);
    long rc = move_mount(m, "", AT_FDCWD, "/tmp/escape-mnt", MOVE_MOUNT_F_EMPTY_PATH);
    int e = errno;
    if (rc == 0) umount2("/tmp/escape-mnt", MNT_DETACH);
    rmdir("/tmp/escape-mnt");
    return must_fail(name, rc, e);
}

/* The new mount API end to end: a tmpfs context, its superblock, a detached mount, attached on /tmp/escape-mnt. */
static int a_fsmount(const char *name, const char *a) {
    (void)a;
    int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0) return out(name, "blocked", ename(errno));
    if (fsconfig(fs, FSCONFIG_CMD_CREATE, 0, 0, 0)) return out(name, "blocked", ename(errno));
    int m = fsmount(fs, FSMOUNT_CLOEXEC, 0);
    if (m < 0) return out(name, "blocked", ename(errno));
    return attach_detached(name, m);
}

/* A detached copy of the guest's whole tree (OPEN_TREE_CLONE needs CAP_SYS_ADMIN over the mount
 * namespace), attached elsewhere with move_mount: a bind mount without mount(2). */
static int a_open_tree_move(const char *name, const char *a) {
    (void)a;
    int t = open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (t < 0) return out(name, "blocked", ename(errno));
    return attach_detached(name, t);
}

/* mount_setattr clearing read-only on /usr, which host-method guests share with the host
 * read-only: success would make the host's /usr writable (put back at once if it happens). */
static int a_mount_setattr(const char *name, const char *a) {
    (void)a;
    struct mount_attr clr = {.attr_clr = MOUNT_ATTR_RDONLY}, set = {.attr_set = MOUNT_ATTR_RDONLY};
    long rc = mount_setattr(AT_FDCWD, "/usr", 0, &clr, sizeof clr);
    int e = errno;
    if (rc == 0) mount_setattr(AT_FDCWD, "/usr", 0, &set, sizeof set);
    return must_fail(name, rc, e);
}

/* unshare(CLONE_NEWNS) alone is no escape when it succeeds: a mount namespace created in the
 * guest's user namespace is owned by it, and the kernel locks every mount copied into it from the
 * host-owned one (MNT_LOCKED, MNT_LOCK_READONLY). Escaped = a copied mount could be unmounted
 * (uncovering what it hides) or made writable; contained = the copy is ours but locked. The copy
 * is made private first, so nothing done in it propagates back. */
static int userns_locked_mounts_fn(void) {
    if (unshare(CLONE_NEWNS)) return errno;
    if (mount(0, "/", 0, MS_REC | MS_PRIVATE, 0)) return 200;
    if (mount(0, "/usr", 0, MS_REMOUNT | MS_BIND, 0) == 0) return 201;
    struct mount_attr clr = {.attr_clr = MOUNT_ATTR_RDONLY};
    if (mount_setattr(AT_FDCWD, "/usr", 0, &clr, sizeof clr) == 0) return 202;
    if (umount2("/usr", MNT_DETACH) == 0) return 203;
    if (umount2("/proc", MNT_DETACH) == 0) return 204;
    return 0;
}

static int a_userns_locked_mounts(const char *name, const char *a) {
    (void)a;
    static const char *what[] = {"private-failed", "usr-remounted-rw", "usr-setattr-rw", "usr-unmounted", "proc-unmounted"};
    int e = child_exit(userns_locked_mounts_fn);
    if (e < 0) return out(name, "skipped", "no-child-or-killed");
    if (e == 0) return out(name, "contained", "own-mntns-copies-locked");
    if (e >= 200 && e <= 204) return out(name, e == 200 ? "skipped" : "escaped", what[e - 200]);
    return out(name, "blocked", ename(e));
}

static int a_pivot_root(const char *name, const char *a) {
    (void)a;
    if (chdir("/")) return out(name, "skipped", ename(errno));
    return MUST_FAIL(name, syscall(SYS_pivot_root, ".", "."));
}

static int same_file(const char *a, const char *b) {
    struct stat x, y;
    return !stat(a, &x) && !stat(b, &y) && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* §4.14: chroot into a subdir, chdir("..") past it (chroot does not move the cwd), chroot("."). */
static int a_chroot_escape(const char *name, const char *a) {
    (void)a;
    struct stat r0, r1;
    stat("/", &r0);
    mkdir("/tmp/escape-chroot", 0755);
    if (chroot("/tmp/escape-chroot")) return out(name, "blocked", ename(errno));
    for (int i = 0; i < 64; i++) if (chdir("..")) break;
    if (chroot(".")) return out(name, "blocked", ename(errno));
    stat("/", &r1);
    if (r0.st_dev == r1.st_dev && r0.st_ino == r1.st_ino) return out(name, "contained", "root-is-guest-root");
    return out(name, "escaped", "root-above-guest");
}

/* §4.15: the old root must not be reachable through /proc/1/root or the ".." of the guest's root. */
static int a_proc1_root(const char *name, const char *a) {
    (void)a;
    struct stat st;
    if (!same_file("/proc/self/root/../../..", "/")) return out(name, "escaped", "proc-self-root-above-guest");
    if (!same_file("/..", "/")) return out(name, "escaped", "dotdot-above-guest");
    if (stat("/proc/1/root/../../..", &st)) return out(name, "blocked", ename(errno));   /* a non-dumpable init */
    if (!same_file("/proc/1/root/../../..", "/")) return out(name, "escaped", "proc1-root-above-guest");
    return out(name, "contained", "root-is-guest-root");
}

/* §4.6 Shocker: open_by_handle_at(root inode 2) through /usr, which host-method guests share with the host. */
static int a_open_by_handle(const char *name, const char *a) {
    (void)a;
    int mfd = open("/usr", O_RDONLY | O_DIRECTORY);
    if (mfd < 0) mfd = open("/", O_RDONLY | O_DIRECTORY);
    struct { struct file_handle h; unsigned char b[8]; } fh = {.h = {.handle_bytes = 8, .handle_type = 1}, .b = {2}};
    int fd = open_by_handle_at(mfd, &fh.h, O_RDONLY);
    return GATED(name, fd);
}

/* ---- the user namespace's own files (issue 13): the host wrote the maps once, before the guest ran ---- */

/* Writing /proc/self/{uid_map,gid_map,setgroups}: a map is written once (EPERM afterwards), and
 * setgroups cannot be denied once gid_map is set; opening setgroups for writing needs
 * CAP_SYS_ADMIN over the namespace. Escaped = a write succeeded. What is written ("0 0 1",
 * "deny") would change nothing of the host's even then. */
static int a_idmap_write(const char *name, const char *file) {
    char p[64];
    snprintf(p, sizeof p, "/proc/self/%s", file);
    const char *text = !strcmp(file, "setgroups") ? "deny" : "0 0 1\n";
    int fd = open(p, O_WRONLY);
    if (fd < 0) return out(name, "blocked", ename(errno));
    long rc = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    return must_fail(name, rc, e);
}

/* setns into a namespace file the test put at PATH (a host namespace leaked into the guest's tree,
 * see h_leak_ns): joining it needs CAP_SYS_ADMIN in the user namespace that owns it. */
static int a_setns_path(const char *name, const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return out(name, "skipped", ename(errno));     /* the leak is the test's job: missing = not tested */
    return MUST_FAIL(name, setns(fd, 0));
}

/* ---- kernel surfaces without a namespace (§3.1) ---- */

static int a_keyctl(const char *name, const char *a) {
    (void)a;
    return MUST_FAIL(name, syscall(SYS_add_key, "user", "escape-probe", "x", 1, -2 /* process keyring */));
}

static int a_bpf(const char *name, const char *a) {
    (void)a;
    struct bpf_insn prog[] = {{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0}, {.code = BPF_JMP | BPF_EXIT}};
    union bpf_attr at = {0};
    at.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    at.insns = (unsigned long)prog;
    at.insn_cnt = 2;
    at.license = (unsigned long)"GPL";
    return MUST_FAIL(name, syscall(SYS_bpf, BPF_PROG_LOAD, &at, sizeof at));
}

/* The host's bpf objects by id (a shared guest's steering: the sk_lookup link and its maps, which
   list every guest's listeners): none may be opened from a guest, whatever the id. */
static int a_bpf_by_id(const char *name, const char *a) {
    (void)a;
    int e = 0;
    for (unsigned id = 1; id <= 4096; id++) {
        int cmds[] = {BPF_MAP_GET_FD_BY_ID, BPF_PROG_GET_FD_BY_ID, BPF_LINK_GET_FD_BY_ID};
        for (unsigned i = 0; i < 3; i++) {
            union bpf_attr at = {0};
            if (cmds[i] == BPF_MAP_GET_FD_BY_ID) at.map_id = id;
            else if (cmds[i] == BPF_PROG_GET_FD_BY_ID) at.prog_id = id;
            else at.link_id = id;
            long fd = syscall(SYS_bpf, cmds[i], &at, sizeof at);
            if (fd >= 0) {
                char d[64];
                snprintf(d, sizeof d, "cmd-%d-id-%u", cmds[i], id);
                return out(name, "escaped", d);
            }
            e = errno;
        }
    }
    errno = e;
    return MUST_FAIL(name, -1);
}

static int a_perf(const char *name, const char *scope) {
    struct perf_event_attr at = {.type = PERF_TYPE_SOFTWARE, .size = sizeof at, .config = PERF_COUNT_SW_TASK_CLOCK};
    int system = !strcmp(scope, "cpu");                        /* every task on CPU 0, kernel included */
    at.exclude_kernel = !system;
    at.exclude_hv = !system;
    return MUST_FAIL(name, syscall(SYS_perf_event_open, &at, system ? -1 : 0, system ? 0 : -1, -1, 0));
}

static int a_userfaultfd(const char *name, const char *mode) {
    int flags = O_CLOEXEC | (!strcmp(mode, "user") ? UFFD_USER_MODE_ONLY : 0);
    return MUST_FAIL(name, syscall(SYS_userfaultfd, flags));
}

static int a_io_uring(const char *name, const char *a) {
    (void)a;
    struct io_uring_params p = {0};
    return MUST_FAIL(name, syscall(SYS_io_uring_setup, 4, &p));
}

/* Invalid flags fail with EINVAL only after the CAP_SYS_BOOT check: nothing is loaded or unloaded. */
static int a_kexec(const char *name, const char *kind) {
    if (!strcmp(kind, "file")) return GATED(name, syscall(SYS_kexec_file_load, -1, -1, 0, "", 0x8000UL));
    return GATED(name, syscall(SYS_kexec_load, 0, 0, 0, 0x8000UL));
}

static int a_module(const char *name, const char *kind) {
    if (!strcmp(kind, "finit")) return GATED(name, syscall(SYS_finit_module, -1, "", 0));
    return GATED(name, syscall(SYS_init_module, 0, 0, ""));
}

/* A missing file fails with ENOENT only after CAP_SYS_PACCT / CAP_SYS_ADMIN: accounting and swap stay as they are. */
static int a_acct(const char *n, const char *a) { (void)a; return GATED(n, acct("/nonexistent-escape/acct")); }
static int a_swapon(const char *n, const char *a) { (void)a; return GATED(n, syscall(SYS_swapon, "/nonexistent-escape/swap", 0)); }

/* Sets the clock to what it reads: a refusal is the test, a success steps the host clock by microseconds. */
static int a_clock(const char *name, const char *kind) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    if (!strcmp(kind, "settimeofday")) {
        struct timeval tv = {t.tv_sec, t.tv_nsec / 1000};
        return MUST_FAIL(name, settimeofday(&tv, 0));
    }
    return MUST_FAIL(name, clock_settime(CLOCK_REALTIME, &t));
}

/* LINUX_REBOOT_CMD_CAD_ON: the guest has CAP_SYS_BOOT, only its pid namespace must stop it (EINVAL) from reaching the host. */
static int a_reboot_cad(const char *name, const char *a) {
    (void)a;
    long rc = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_ON, 0);
    if (rc < 0 && errno == EINVAL) return out(name, "contained", "EINVAL-pid-namespace");
    return MUST_FAIL(name, rc);
}

static int a_personality(const char *name, const char *a) {
    (void)a;
    int want = READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE;
    long rc = personality(want);
    int e = errno;
    if (rc < 0) return out(name, "blocked", ename(e));
    long now = personality(0xffffffff);
    return (now & want) == want ? out(name, "escaped", "-") : out(name, "blocked", "ignored");
}

static int a_socket(const char *name, const char *fam) {
    int s;
    if (!strcmp(fam, "alg")) s = socket(AF_ALG, SOCK_SEQPACKET, 0);
    else if (!strcmp(fam, "vsock")) s = socket(AF_VSOCK, SOCK_STREAM, 0);
    else if (!strcmp(fam, "packet")) s = socket(AF_PACKET, SOCK_RAW, htons(3 /* ETH_P_ALL */));
    else s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    return MUST_FAIL(name, s);
}

/* ---- devices and terminals (§2.4, §4.12) ---- */

static int a_mknod(const char *name, const char *kind) {
    int blk = !strcmp(kind, "disk");
    const char *p = "/tmp/escape-node";
    unlink(p);
    if (mknod(p, (blk ? S_IFBLK : S_IFCHR) | 0600, blk ? makedev(8, 0) : makedev(1, 1)))
        return out(name, "blocked", ename(errno));
    int fd = open(p, O_RDONLY);
    int e = errno;
    unlink(p);
    return must_fail(name, fd, e);                          /* the node exists: the device policy must refuse the open */
}

static int a_open(const char *name, const char *path) { return MUST_FAIL(name, open(path, O_RDONLY)); }

/* Opening for writing is the escape: nothing is written to the knob. */
static int a_open_write(const char *name, const char *path) { return MUST_FAIL(name, open(path, O_WRONLY)); }

/* The guest's clocks (virt_uptime's time namespace): offsets are set once, by the host, before the
   init enters; a write now would move the guest's monotonic clock under its own timers. */
static int a_timens_offsets(const char *name, const char *a) {
    (void)a;
    int fd = open("/proc/self/timens_offsets", O_WRONLY);
    if (fd < 0) return MUST_FAIL(name, -1);
    long rc = write(fd, "1 100000 0\n", 11);
    int e = errno;
    close(fd);
    errno = e;
    return MUST_FAIL(name, rc < 0 ? -1 : 0);
}

static int a_tiocsti(const char *name, const char *a) {
    (void)a;
    char c = ' ';
    int e0 = ioctl(0, TIOCSTI, &c) ? errno : 0;
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
    int e1 = fd < 0 ? errno : ioctl(fd, TIOCSTI, &c) ? errno : 0;
    if (!e0 || !e1) return out(name, "escaped", "-");
    char d[64];
    snprintf(d, sizeof d, "%s/%s", ename(e0), ename(e1));
    return out(name, "blocked", d);
}

/* ---- cgroupfs (§4.7, §4.11): release_agent, limits, cgroup.procs of any hierarchy the guest sees ---- */

static int a_cgroup_write(const char *name, const char *file) {
    static const char *h[] = {"", "/cpu", "/cpuacct", "/cpuset", "/memory", "/devices", "/freezer", "/blkio", "/pids", "/systemd", "/unified", "/rdma"};
    int seen = 0, e = ENOENT;
    for (unsigned i = 0; i < sizeof h / sizeof *h; i++) {
        char p[256];
        snprintf(p, sizeof p, "/sys/fs/cgroup%s/%s", h[i], file);
        int fd = open(p, O_WRONLY);
        if (fd >= 0) return out(name, "escaped", p);
        if (errno != ENOENT) { seen = 1; e = errno; }
    }
    return out(name, "blocked", seen ? ename(e) : "ENOENT");
}

/* ---- visibility across guests and the host (§6) ---- */

static int a_ptrace(const char *name, const char *pid) {
    pid_t p = atoi(pid);
    long rc = syscall(SYS_ptrace, PTRACE_ATTACH, p, 0, 0);
    int e = errno;
    if (rc == 0) { waitpid(p, 0, __WALL); syscall(SYS_ptrace, PTRACE_DETACH, p, 0, 0); }
    return must_fail(name, rc, e);
}

/* Is a process whose command line contains NEEDLE (a marker the test started elsewhere) visible here? */
/* NEEDLE comes with '_' for '.': the launcher that runs us holds our argv, and must not match. */
static int a_proc_scan(const char *name, const char *arg) {
    char needle[128];
    snprintf(needle, sizeof needle, "%s", arg);
    for (char *c = needle; *c; c++) if (*c == '_') *c = '.';
    DIR *d = opendir("/proc");
    if (!d) return out(name, "skipped", ename(errno));
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d))) {
        char p[300], buf[4096];
        if (atoi(e->d_name) == getpid()) continue;                 /* our own argv holds the needle */
        snprintf(p, sizeof p, "/proc/%s/cmdline", e->d_name);
        int fd = open(p, O_RDONLY);
        if (fd < 0) continue;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        for (ssize_t i = 0; i < n; i++) if (!buf[i]) buf[i] = ' ';
        buf[n > 0 ? n : 0] = 0;
        found = strstr(buf, needle) != 0;
    }
    closedir(d);
    return found ? out(name, "escaped", needle) : out(name, "contained", "not-visible");
}

/* kill(-1): every process this one may signal; the test checks the host's and the other guest's survive. */
static int a_kill_all(const char *name, const char *a) {
    (void)a;
    signal(SIGPIPE, SIG_IGN);
    long rc = kill(-1, SIGKILL);
    return rc < 0 ? out(name, "blocked", ename(errno)) : out(name, "contained", "see-host");
}

static int a_shm(const char *name, const char *key) {
    key_t k = (key_t)strtol(key, 0, 0);
    return MUST_FAIL(name, shmget(k, 0, 0));
}

static int abstract_addr(struct sockaddr_un *sa, const char *n) {
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    strncpy(sa->sun_path + 1, n, sizeof sa->sun_path - 2);
    return (int)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(n));
}

static int a_abstract(const char *name, const char *n) {
    struct sockaddr_un sa;
    int len = abstract_addr(&sa, n);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    return MUST_FAIL(name, connect(s, (struct sockaddr *)&sa, len));
}

/* In the guest's own UTS namespace a change is fine; without CAP_SYS_ADMIN it is refused. The test checks the host. */
static int a_uts(const char *name, const char *kind) {
    long rc = !strcmp(kind, "domain") ? setdomainname("escape-probe", 12) : sethostname("escape-probe", 12);
    return rc < 0 ? out(name, "blocked", ename(errno)) : out(name, "contained", "own-uts-namespace");
}

/* ---- the network (§4.16, §4.17) ---- */

static int a_net_ifaces(const char *name, const char *a) {
    (void)a;
    struct if_nameindex *ifs = if_nameindex(), *i;
    if (!ifs) return out(name, "skipped", ename(errno));
    char list[512] = "";
    int other = 0;
    for (i = ifs; i->if_index; i++) {
        if (strcmp(i->if_name, "lo")) other = 1;
        if (strlen(list) + strlen(i->if_name) + 2 < sizeof list) { strcat(list, *list ? "," : ""); strcat(list, i->if_name); }
    }
    if_freenameindex(ifs);
    return out(name, other ? "escaped" : "contained", list);
}

/* ARP/RA spoofing and sniffing need CAP_NET_RAW or CAP_NET_ADMIN: neither may be in the bounding or effective set. */
static int a_net_caps(const char *name, const char *a) {
    (void)a;
    struct __user_cap_header_struct hd = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &hd, d)) return out(name, "skipped", ename(errno));
    int caps[] = {CAP_NET_RAW, CAP_NET_ADMIN};
    for (int i = 0; i < 2; i++)
        if (prctl(PR_CAPBSET_READ, caps[i]) == 1 || (d[0].effective & (1u << caps[i])))
            return out(name, "escaped", caps[i] == CAP_NET_RAW ? "CAP_NET_RAW" : "CAP_NET_ADMIN");
    return out(name, "blocked", "no-CAP_NET_RAW-CAP_NET_ADMIN");
}

/* ---- resource exhaustion (§6): stop at the guest's limits ---- */

static int a_forkbomb(const char *name, const char *max) {
    int n = atoi(max), made = 0, e = 0;
    pid_t *kids = calloc(n, sizeof *kids);
    for (; made < n; made++) {
        pid_t p = fork();
        if (p < 0) { e = errno; break; }
        if (p == 0) { pause(); _exit(0); }
        kids[made] = p;
    }
    for (int i = 0; i < made; i++) kill(kids[i], SIGKILL);
    while (wait(0) > 0) {}
    char d[64];
    snprintf(d, sizeof d, "%s-after-%d", e ? ename(e) : "none", made);
    return e ? out(name, "blocked", d) : out(name, "escaped", d);
}

static int a_memory(const char *name, const char *mib) {
    long n = atol(mib);
    pid_t p = fork();
    if (p == 0) {
        for (long i = 0; i < n; i++) {
            char *m = malloc(1 << 20);
            if (!m) _exit(12);
            memset(m, 1, 1 << 20);
        }
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    if (WIFSIGNALED(st)) return out(name, "blocked", WTERMSIG(st) == SIGKILL ? "SIGKILL-oom" : "signal");
    return WEXITSTATUS(st) ? out(name, "blocked", "ENOMEM") : out(name, "escaped", "-");
}

static int a_fds(const char *name, const char *a) {
    (void)a;
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    struct rlimit up = {r.rlim_max + 1, r.rlim_max + 1};
    if (!setrlimit(RLIMIT_NOFILE, &up)) return out(name, "escaped", "raised-hard-limit");
    long n = 0;
    while (open("/dev/null", O_RDONLY) >= 0) n++;
    char d[64];
    snprintf(d, sizeof d, "%s-after-%ld", ename(errno), n);
    return n + 3 <= (long)r.rlim_cur ? out(name, "contained", d) : out(name, "escaped", d);
}

/* ---- helpers the test runs on the host side ---- */

static int h_shm_create(const char *name, const char *key) {
    int id = shmget((key_t)strtol(key, 0, 0), 4096, IPC_CREAT | 0666);
    return id < 0 ? out(name, "skipped", ename(errno)) : out(name, "contained", "created");
}

static int h_shm_remove(const char *name, const char *key) {
    int id = shmget((key_t)strtol(key, 0, 0), 0, 0);
    if (id >= 0) shmctl(id, IPC_RMID, 0);
    return out(name, "contained", id >= 0 ? "removed" : "absent");
}

/* Listens on an abstract name until killed; prints its line once listening. */
static int h_abstract_listen(const char *name, const char *n) {
    struct sockaddr_un sa;
    int len = abstract_addr(&sa, n);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(s, (struct sockaddr *)&sa, len) || listen(s, 8)) return out(name, "skipped", ename(errno));
    out(name, "contained", "listening");
    for (;;) { int c = accept(s, 0, 0); if (c >= 0) close(c); }
}

/* Mounts the namespace file SRC (a host path, e.g. /proc/1/ns/net) at DEST inside the mount
 * namespace of PID (a guest's init): a host namespace leaked into the guest, as a careless bind
 * of /run/netns would. Runs on the host as root; DEST (a path inside the guest) must exist.
 * Argument: SRC:PID:DEST. */
static int h_leak_ns(const char *name, const char *arg) {
    char src[256], pid[32], dest[256], p[64];
    if (sscanf(arg, "%255[^:]:%31[^:]:%255s", src, pid, dest) != 3) return out(name, "skipped", "want-SRC:PID:DEST");
    int t = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    char d[64];
    if (t < 0) return snprintf(d, sizeof d, "open_tree-%s", ename(errno)), out(name, "skipped", d);
    char at[320];                                 /* DEST as the guest sees it, opened before we join its namespace */
    snprintf(at, sizeof at, "/proc/%s/root/%s", pid, dest);
    int to = open(at, O_PATH | O_CLOEXEC);
    if (to < 0) return snprintf(d, sizeof d, "dest-%s", ename(errno)), out(name, "skipped", d);
    snprintf(p, sizeof p, "/proc/%s/ns/mnt", pid);
    int ns = open(p, O_RDONLY);
    if (ns < 0 || setns(ns, CLONE_NEWNS)) return snprintf(d, sizeof d, "setns-%s", ename(errno)), out(name, "skipped", d);
    if (move_mount(t, "", to, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH))
        return snprintf(d, sizeof d, "move_mount-%s", ename(errno)), out(name, "skipped", d);
    return out(name, "contained", "leaked");
}

struct attack { const char *name; int (*fn)(const char *, const char *); const char *arg; };

static const struct attack attacks[] = {
    {"unshare_user", a_unshare, "user"}, {"unshare_mnt", a_unshare, "mnt"}, {"unshare_pid", a_unshare, "pid"},
    {"unshare_net", a_unshare, "net"}, {"unshare_uts", a_unshare, "uts"}, {"unshare_ipc", a_unshare, "ipc"},
    {"unshare_cgroup", a_unshare, "cgroup"}, {"unshare_time", a_unshare, "time"},
    {"setns_mnt", a_setns, "mnt"}, {"setns_pid", a_setns, "pid"}, {"setns_net", a_setns, "net"},
    {"setns_uts", a_setns, "uts"}, {"setns_ipc", a_setns, "ipc"}, {"setns_cgroup", a_setns, "cgroup"},
    {"setns_user", a_setns, "user"},
    {"clone_newuser", a_clone_newuser, 0}, {"clone3_newuser", a_clone3_newuser, 0},
    {"userns_mount", a_userns_mount, 0}, {"userns_procfs", a_userns_procfs, 0},
    {"userns_release_agent", a_userns_release_agent, 0},
    {"mount_tmpfs", a_mount, "tmpfs"}, {"mount_bind_root", a_mount, "bind_root"},
    {"mount_binfmt_misc", a_mount, "binfmt_misc"}, {"remount_proc_sys_rw", a_mount, "proc_sys_rw"},
    {"mount_proc_over_sys", a_mount, "proc_over_sys"}, {"umount_mask", a_mount, "umount_mask"},
    {"fsopen", a_mount, "fsopen"}, {"pivot_root", a_pivot_root, 0},
    {"umount_view", a_mount, "umount_view"}, {"lxcfs_write", a_open_write, "/proc/meminfo"},
    {"timens_offsets", a_timens_offsets, 0},
    {"chroot_escape", a_chroot_escape, 0}, {"proc1_root", a_proc1_root, 0},
    {"open_by_handle_at", a_open_by_handle, 0},
    {"fsmount", a_fsmount, 0}, {"open_tree_move", a_open_tree_move, 0}, {"mount_setattr_usr", a_mount_setattr, 0},
    {"userns_locked_mounts", a_userns_locked_mounts, 0},
    {"uid_map", a_idmap_write, "uid_map"}, {"gid_map", a_idmap_write, "gid_map"}, {"setgroups", a_idmap_write, "setgroups"},
    {"keyctl", a_keyctl, 0}, {"bpf_prog_load", a_bpf, 0}, {"bpf_by_id", a_bpf_by_id, 0},
    {"perf_event_open", a_perf, "self"}, {"perf_event_open_cpu", a_perf, "cpu"},
    {"userfaultfd", a_userfaultfd, "user"}, {"userfaultfd_kernel", a_userfaultfd, "kernel"},
    {"io_uring_setup", a_io_uring, 0},
    {"kexec_load", a_kexec, "load"}, {"kexec_file_load", a_kexec, "file"},
    {"init_module", a_module, "init"}, {"finit_module", a_module, "finit"},
    {"acct", a_acct, 0}, {"swapon", a_swapon, 0},
    {"clock_settime", a_clock, "clock_settime"}, {"settimeofday", a_clock, "settimeofday"},
    {"reboot_cad", a_reboot_cad, 0}, {"personality", a_personality, 0},
    {"socket_alg", a_socket, "alg"}, {"socket_vsock", a_socket, "vsock"},
    {"socket_packet", a_socket, "packet"}, {"socket_raw", a_socket, "raw"},
    {"mknod_disk", a_mknod, "disk"}, {"mknod_mem", a_mknod, "mem"},
    {"open_dev_mem", a_open, "/dev/mem"}, {"open_dev_kmsg", a_open, "/dev/kmsg"},
    {"tiocsti", a_tiocsti, 0},
    {"sysrq_trigger", a_open_write, "/proc/sysrq-trigger"},
    {"core_pattern", a_open_write, "/proc/sys/kernel/core_pattern"},
    {"modprobe", a_open_write, "/proc/sys/kernel/modprobe"},
    {"uevent_helper", a_open_write, "/sys/kernel/uevent_helper"},
    {"binfmt_register", a_open_write, "/proc/sys/fs/binfmt_misc/register"},
    {"proc_sys_hostname", a_open_write, "/proc/sys/kernel/hostname"},
    {"cgroup_release_agent", a_cgroup_write, "release_agent"},
    {"cgroup_procs", a_cgroup_write, "cgroup.procs"},
    {"cgroup_pids_max", a_cgroup_write, "pids.max"},
    {"cgroup_memory_limit", a_cgroup_write, "memory.limit_in_bytes"},
    {"cgroup_devices_allow", a_cgroup_write, "devices.allow"},
    {"ptrace_init", a_ptrace, "1"},
    {"net_ifaces", a_net_ifaces, 0}, {"net_caps", a_net_caps, 0},
    {"fd_exhaustion", a_fds, 0},
    {"kill_all", a_kill_all, 0},
    /* with an argument: */
    {"setns_path", a_setns_path, "?"}, {"leak_ns", h_leak_ns, "?"},
    {"ptrace", a_ptrace, "?"}, {"proc_scan", a_proc_scan, "?"}, {"shm_get", a_shm, "?"},
    {"abstract_connect", a_abstract, "?"}, {"sethostname", a_uts, "host"}, {"setdomainname", a_uts, "domain"},
    {"forkbomb", a_forkbomb, "?"}, {"memory", a_memory, "?"},
    {"shm_create", h_shm_create, "?"}, {"shm_remove", h_shm_remove, "?"}, {"abstract_listen", h_abstract_listen, "?"},
};

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: escape-probe ATTACK [ARG]   (prints RESULT name blocked|contained|escaped|skipped detail)\n");
        return 2;
    }
    for (unsigned i = 0; i < sizeof attacks / sizeof *attacks; i++) {
        if (strcmp(attacks[i].name, argv[1])) continue;
        const char *arg = attacks[i].arg;
        if (arg && !strcmp(arg, "?")) {                        /* the test supplies it: a pid, a key, a name, a count */
            if (argc < 3) return out(argv[1], "skipped", "missing-argument");
            arg = argv[2];
        }
        return attacks[i].fn(argv[1], arg ? arg : "");
    }
    return out(argv[1], "skipped", "unknown-attack");
}
