/* protocol.h: the one home of the plan wire format between Java (decides) and the launcher
 * (executes). src/test/java/org/vserver/plan/ProtocolHeaderTest.java parses this file and checks
 * the Java side (org.vserver.plan.Op, FieldType, Sync, StatusKind) against it, so nothing here is
 * mirrored by hand.
 *
 * Plan  : header, then `count` records executed in order.
 *   header : u32 magic VL_MAGIC | u16 version | u16 flags (0) | u32 total_len | u32 count
 *   record : u32 len (header + payload + pad, a multiple of 4) | u16 op | u16 reserved (0) | payload
 * Payload: the fields named by the op's signature, each padded to 4 bytes, native endian:
 *   'i' i32    'o' i32 rendered in octal (file modes)    'u' u64 (UINT64_MAX renders "inf")
 *   'M' u64 mount flags    'N' u64 namespace (clone) flags    'K' u64 capability mask
 *   's' u32 len | bytes | NUL    (len 0xffffffff = NULL, no bytes follow)
 *   'v' u32 count | u32 bytes | count NUL-terminated strings (bytes = their total size)
 *   'I' u32 count | count * i32
 *   'F' u32 count | count * struct sock_filter (u16 code, u8 jt, u8 jf, u32 k: 8 bytes), 1..4096;
 *       rendered as `bpf[N insns fnv1a H]`, H the 64-bit FNV-1a of the count * 8 bytes in hex
 *   'E' u32 count | count * struct bpf_insn (eBPF, 8 bytes each), 1..4096; as 'F' but `ebpf[...]`
 * An unknown op, a signature mismatch, a bad length or a bad magic/version fails the whole plan
 * before any op runs.
 *
 * Channels (when started by Java): fd 3 = plan, then AWAIT acks (Java -> launcher);
 * fd 4 = status records (launcher -> Java), close-on-exec. Every other inherited fd >= 5 is closed.
 * With --stdio-channels (java's ProcessBuilder passes only 0-2) they arrive on 0 and 1 and are
 * moved to 3 and 4; the guest then gets /dev/null as stdin and fd 2 (a host file for the
 * launcher's own messages) as stdout, until a start plan's OPEN_STDIO replaces 1 and 2 with the
 * guest's console.
 * Status record: { u32 kind, u32 step, i32 value }. A DETAIL record's value is the length (at most
 * VL_DETAIL_MAX) of the text that follows it on fd 4: { u32 kind, u32 step, i32 len } len bytes
 * (no NUL, no padding; a path in it is the kernel's bytes). The launcher writes header and text
 * in one write(2) of at most PIPE_BUF bytes, so it arrives whole; a longer text is cut, ending "...".
 *
 *   launcher                         parent (java)
 *   ALIVE(pid)            -->
 *                         <--        plan (the launcher's pid is already in the guest's cgroups)
 *   ... ops ...
 *   PID(step, child)      -->        CLONE: the child's pid (host view)
 *   SYNC(step, id)        -->        AWAIT: java does its host-side part (state file, network)
 *                         <--        ack: the same u32 id on fd 3
 *   ... ops ...
 *   EXEC                  EOF        success: the status fd closed on exec
 *   DETAIL(step, len) text -->       failure: the call that failed, as the launcher made it:
 *                                    "prctl(PR_CAPBSET_DROP, 2)", "open(`/proc/42/ns/net`)"
 *   FAIL(step, errno)     -->        failure: step = index of the failing record
 *
 * Replay mode (`vserver-launcher --replay PLAN -- CMD ARGS...`): no channels; a failure is printed
 * on stderr as `vserver-launcher: step N OP: <syscall>(`path`) failed: <strerror>` and the exit
 * code is VL_EXIT_SETUP, or VL_EXIT_STALE when VERIFY_PROC or SETNS_PID finds the guest's init gone.
 *
 * Launcher notes (comments only, the format above is unchanged):
 *   - An invalid plan reports FAIL(index of the bad record, EINVAL), or step 0xffffffff for a
 *     header problem (bad magic/version/flags/total_len, truncation, bytes after the records);
 *     its DETAIL reads "decode(record N: <the problem>)" or "decode(<the problem>)".
 *   - A plan that runs out of records without exec reports FAIL(step = count, ENOEXEC): success
 *     is only ever the EOF of an EXEC. Its DETAIL reads "execve(): the plan has no EXEC".
 *   - Channel mode: the launcher exits 127 after FAIL. EXEC_ARGV fails with EINVAL there; in
 *     replay mode AWAIT fails with EINVAL (nobody to ack).
 *   - The parent stages (CLONE mode 1, PTY_RELAY) exit with the child's exit code, or 128 + the
 *     signal that killed it; they close their copies of fds 3 and 4 once the child has its own.
 */
#ifndef VL_PROTOCOL_H
#define VL_PROTOCOL_H

#define VL_MAGIC   0x4C505356u /* "VSPL" as little-endian bytes */
#define VL_VERSION 1

#define VL_PLAN_FD   3
#define VL_STATUS_FD 4

#define VL_EXIT_SETUP 125 /* replay: an op failed before the command was executed */
#define VL_EXIT_STALE 124 /* replay: VERIFY_PROC: the guest init named by the plan is gone */

/* status kinds */
#define VL_STATUS_ALIVE 1
#define VL_STATUS_PID   2
#define VL_STATUS_SYNC  3
#define VL_STATUS_FAIL  4
#define VL_STATUS_DETAIL 5 /* right before every FAIL: what failed, as text (value = its length) */

#define VL_DETAIL_MAX 4084 /* bytes of DETAIL text: with its 12-byte header one PIPE_BUF (4096) */

/* sync ids (AWAIT) */
#define VL_SYNC_GUEST_PID 1 /* the guest init exists: java records it and sets up what needs its pid */

/* ops: VL_OP(number, NAME, "signature") -- number and signature never change meaning */
#define VL_OPS(VL_OP)                                                                              \
  VL_OP (1, CLOSE_FROM, "i")      /* close_range(fd, ~0U, 0): drop inherited fds */               \
  VL_OP (2, UNSHARE, "N")         /* unshare(flags) */                                             \
  VL_OP (3, SETNS, "sN")          /* setns(open(path), nstype) */                                  \
  VL_OP (4, CLONE, "Ni")          /* clone(flags|SIGCHLD); child runs the rest. mode 0: parent      \
                                     reports PID and exits 0; mode 1: parent reports PID, forwards \
                                     signals, waits, exits with the child's status */              \
  VL_OP (5, AWAIT, "i")           /* report SYNC(id), block until the id comes back on fd 3 */     \
  VL_OP (6, SET_HOSTNAME, "s")    /* sethostname(2) */                                             \
  VL_OP (7, SET_DOMAINNAME, "s")  /* setdomainname(2) */                                           \
  VL_OP (8, MKDIR, "so")          /* mkdir(path, mode); an existing directory is fine */          \
  VL_OP (9, MKNOD, "sou")         /* mknod(path, mode, dev) */                                     \
  VL_OP (10, SYMLINK, "ss")       /* symlink(target, linkpath) */                                  \
  VL_OP (11, MOUNT, "sssMs")      /* mount(source, target, fstype, flags, data) */                 \
  VL_OP (12, UMOUNT, "si")        /* umount2(target, flags) */                                     \
  VL_OP (13, PIVOT_ROOT, "s")     /* chdir(newroot); pivot_root(".", ".") */                       \
  VL_OP (14, CHDIR, "s")          /* chdir(path) */                                                \
  VL_OP (15, SET_RLIMIT, "iuu")   /* setrlimit(resource, {soft, hard}) */                          \
  VL_OP (16, SET_PRIORITY, "i")   /* setpriority(PRIO_PROCESS, 0, nice) */                         \
  VL_OP (17, SETSID, "")          /* setsid(): no controlling terminal */                          \
  VL_OP (18, SET_IDS, "iiI")      /* setgroups(groups); setresgid(gid); setresuid(uid) */          \
  VL_OP (19, SET_CAPS, "KKKKK")   /* bounding (PR_CAPBSET_DROP the rest), effective, permitted,    \
                                     inheritable, ambient */                                       \
  VL_OP (20, NO_NEW_PRIVS, "")    /* prctl(PR_SET_NO_NEW_PRIVS, 1) */                              \
  VL_OP (21, EXEC, "svv")         /* execve(path, argv, envp); a path without '/' is searched in   \
                                     envp's PATH */                                                \
  VL_OP (22, EXEC_ARGV, "v")      /* replay only: execve of the command line's CMD ARGS with envp */\
  VL_OP (23, WRITE_FILE, "ss")    /* open(path, O_WRONLY) and write(content) */                    \
  VL_OP (24, VERIFY_PROC, "iu")   /* /proc/pid/stat starttime must equal the value, else ESRCH */  \
  VL_OP (25, PTY_RELAY, "")       /* open /dev/ptmx here, fork: the child gets the slave as its    \
                                     controlling tty and stdio and runs the rest; the parent relays \
                                     stdio <-> master and exits with the child's status */         \
  VL_OP (26, REAPER, "")          /* fork: the child runs the rest; the parent stays as a minimal   \
                                     init (reaps orphans, exits on SIGTERM/SIGINT/SIGHUP/SIGPWR) */ \
  VL_OP (27, SET_UMASK, "o")      /* umask(mask) */                                                \
  VL_OP (28, SETNS_PID, "iuN")    /* pidfd_open(pid), which must have started at ticks (else        \
                                     ESRCH), then setns(pidfd, nstypes): all at once, no pid race */ \
  VL_OP (29, SET_IOPRIO, "ii")    /* ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(class,      \
                                     data)): inherited by every child, as ionice(1) */             \
  VL_OP (30, OPEN_FD, "si")       /* open(path, O_WRONLY|O_CLOEXEC) moved to fd (dup3, cloexec):    \
                                     a host file kept across setns into a guest's mount ns */     \
  VL_OP (31, WRITE_FD, "is")      /* write(fd, content), then close(fd) */                        \
  VL_OP (32, SECCOMP, "F")        /* seccomp(SECCOMP_SET_MODE_FILTER, 0, program): needs            \
                                     CAP_SYS_ADMIN (no no_new_privs), so it comes before SET_CAPS */ \
  VL_OP (33, VERIFY_CWD, "s")     /* getcwd(2) must name a path under the root (not "(unreachable)") \
                                     and "." must be the directory path names (same dev and inode), \
                                     and "/.." must be "/" (same mount, dev and inode: nothing is   \
                                     stacked on the root, the old one of a pivot_root detached),   \
                                     else EXDEV: nothing outside the guest is reachable at exec */ \
  /* The guest's tree, reached only through a directory fd: every path of the *_IN ops is resolved  \
     by openat2(root, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so a link the guest planted     \
     (`tmp -> /`, a directory swapped for a link meanwhile) can never lead out of the tree; the last \
     component is never followed (a link there fails ELOOP) and the root itself is never a target    \
     (EXDEV). Mounts go through the resolved O_PATH fd as /proc/self/fd/N. */                       \
  VL_OP (34, OPEN_ROOT, "s")      /* open(path, O_PATH|O_DIRECTORY): the root of the *_IN ops        \
                                     (a host path; replaces an earlier one) */                     \
  VL_OP (35, MKDIR_IN, "so")      /* mkdirat(parent in root, name, mode); an existing directory is  \
                                     fine, a link there is not (ELOOP) */                           \
  VL_OP (36, MKNOD_IN, "sou")     /* mknodat(parent in root, name, mode, dev) */                    \
  VL_OP (37, SYMLINK_IN, "ss")    /* symlinkat(target, parent in root, name); the same link is fine */ \
  VL_OP (38, MOUNT_IN, "sssMs")   /* mount(source, target in root, fstype, flags, data): source as  \
                                     mount(2) takes it (a host path, a filesystem's name, NULL) */  \
  VL_OP (39, BIND_IN, "ssM")      /* mount(source in root, target in root, NULL, flags, NULL) */ \
  VL_OP (40, OPEN_STDIO, "s")     /* open(path, O_WRONLY|O_APPEND|O_NOCTTY|O_NOFOLLOW), a regular   \
                                     file or a character device, dup2'd to fds 1 and 2: a guest's  \
                                     console inside its own tree */                                \
  /* User-namespaced guests (doc/userns.md): namespaces held by fd between ops, trees idmapped.    \
     The fds are close-on-exec: they survive CLONE (a fork) and SETNS_FD closes each it joins. */ \
  VL_OP (41, USERNS_CREATE, "issNi") /* fork a holder: unshare(CLONE_NEWUSER); the launcher writes \
                                     /proc/H/uid_map and gid_map (the texts, one write each); the  \
                                     holder writes usernsmax (>= 0; -1: leave it) to its           \
                                     /proc/sys/user/max_user_namespaces, then                      \
                                     unshare(nstypes) (owned by the new userns; 0 = none,          \
                                     NEWUSER refused); open /proc/H/ns/user at fd, each of nstypes \
                                     (pid, time: *_for_children) at fd+1... in CLONE_NEW* bit     \
                                     order; kill and reap the holder (fd > 4) */                   \
  VL_OP (42, SETNS_FD, "iN")      /* setns(fd, nstype), then close(fd) */                          \
  VL_OP (43, MOUNT_IDMAP, "ssiM") /* open_tree(source, CLONE|RECURSIVE), mount_setattr(RECURSIVE,  \
                                     MOUNT_ATTR_IDMAP of the userns at fd + flags), move_mount onto \
                                     target (host paths, a last link followed as by mount(2));     \
                                     flags: RDONLY NOSUID NODEV NOEXEC NOSYMFOLLOW NOATIME          \
                                     NODIRATIME RELATIME STRICTATIME, as their MOUNT_ATTR_*, else   \
                                     EINVAL */                                                      \
  VL_OP (44, BIND_IDMAP_IN, "ssiM") /* as MOUNT_IDMAP, the target in the root: move_mount onto    \
                                     its resolved fd (MOVE_MOUNT_T_EMPTY_PATH) */                  \
  VL_OP (45, LANDLOCK_SCOPE, "u") /* landlock_restrict_self(landlock_create_ruleset({.scoped =     \
                                     bits})): 1 = abstract unix sockets of this domain only;      \
                                     needs CAP_SYS_ADMIN (no no_new_privs): before SET_CAPS */     \
  VL_OP (46, CHOWN_IN, "sii")     /* fchownat(path in root, "", uid, gid, AT_EMPTY_PATH): a link    \
                                     there is refused (ELOOP), never followed; -1 keeps an id */    \
  VL_OP (47, CHOWN, "sii")        /* lchown(path, uid, gid): a host path (a cgroup directory) */   \
  VL_OP (48, PRLIMIT, "iiuu")     /* prlimit(pid, resource, {soft, hard}, NULL) of another process \
                                     (a host pid; ~0 = RLIM_INFINITY); ESRCH (it exited) is fine */ \
  VL_OP (49, MOUNT_LOOP, "sssMs") /* open(image, O_RDWR; O_RDONLY if MS_RDONLY); N =            \
                                     LOOP_CTL_GET_FREE, LOOP_CONFIGURE /dev/loopN with the image,  \
                                     AUTOCLEAR (+READ_ONLY; EBUSY: another took N, up to 8 tries), \
                                     direct I/O where it works; mount(/dev/loopN, target, fstype,  \
                                     flags, data); close both. Autoclear: the mount holds the last  \
                                     reference, so the unmount (or the death of the last mount ns  \
                                     holding it) frees the device: nothing to undo, nothing left   \
                                     by a dead guest. A failed mount frees it (LOOP_CLR_FD) */ \
  /* Host changes of a start (doc/plan-cache.md): each is appended to the undo journal before it   \
     is made ("rmdir P", "cgroup P", "unlink P"), so a failed or killed start is undone exactly. */ \
  VL_OP (50, JOURNAL, "s")        /* open(path, O_APPEND|O_CREAT): the journal of what follows */ \
  VL_OP (51, MKDIR_HOST, "so")    /* mkdir(path, mode) on the host; an existing directory is fine; \
                                     journaled "rmdir" (one still in use stays on undo) */          \
  VL_OP (52, CGROUP_MKDIR, "s")   /* mkdir(path): a guest's cgroup, which must not exist yet;       \
                                     journaled "cgroup": undo kills what is in it, then rmdir */    \
  VL_OP (53, CREATE_FILE, "sso")  /* open(path, O_CREAT|O_EXCL|O_NOFOLLOW, mode), write(content);   \
                                     journaled "unlink" */                                          \
  VL_OP (54, LINK, "ss")          /* link(source, target); journaled "unlink" of the target */ \
  VL_OP (55, BPF_ATTACH, "siiisE") /* bpf(BPF_PROG_LOAD, prog_type, expected attach_type, name,     \
                                     program, license "GPL"), then BPF_PROG_ATTACH to open(cgroup) \
                                     with attach_type and flags; both fds closed (the attachment  \
                                     holds the program, the cgroup's removal drops it) */           \
  VL_OP (56, CPUSET_INHERIT, "s") /* v1: an empty cpuset.cpus / cpuset.mems of dir gets the       \
                                     parent's, less what exclusive siblings hold (ENOSPC if none)  */ \
  VL_OP (57, IF_UP, "s")          /* ioctl(SIOCSIFFLAGS, IFF_UP) of a device of this netns (lo) */   \
  VL_OP (58, VERIFY_INIT, "s")    /* VERIFY_PROC of the init.pid and init.starttime a run state    \
                                     file holds now (ESRCH: none); an exec plan compiled before   \
                                     the guest's init existed */                                    \
  VL_OP (59, SETNS_INIT, "sN")    /* SETNS_PID of the init that run state file names now */ \
  VL_OP (60, ADDR_ADD, "ssis")    /* RTM_NEWADDR address/prefix (label or NULL) on host device dev; \
                                     EADDRINUSE if any device has it; journaled "address DEV A/P" */ \
  /* A netns guest's network, made before its init exists: the netns is held by fd (veth.c). */     \
  VL_OP (61, NETNS_CREATE, "i")   /* unshare(CLONE_NEWNET) kept at fd (close-on-exec), then setns    \
                                     back: a netns owned by the host's user namespace */          \
  VL_OP (62, VETH, "sssssiiE")    /* bridge rundir host guest mac netns_fd mtu spoof: under          \
                                     RUNDIR/.network.lock, bridge made if absent (up, mtu if > 0,   \
                                     marker RUNDIR/BRIDGE.bridge; journaled "bridge NETNS BRIDGE     \
                                     RUNDIR"; not a bridge: EINVAL); host link present: EEXIST;    \
                                     journaled "veth NETNS HOST"; veth HOST, peer GUEST with MAC     \
                                     "aa:bb:cc:dd:ee:ff" made in netns_fd, both with mtu (<= 0: the  \
                                     bridge's); the program loaded as SCHED_CLS at tcx ingress of   \
                                     HOST; master BRIDGE; up */                                    \
  VL_OP (63, NETNS_CONFIG, "issvv") /* netns_fd guest bridge addresses gateways: in that netns, lo  \
                                     up, each "A/P" on GUEST (IPv6 nodad), GUEST up, a default     \
                                     route via each gateway; none given: via the bridge's address \
                                     in the subnet of the guest's first of each family, read now */ \
  VL_OP (64, NAT, "sss")          /* nft table ruleset: journaled "nat NETNS TABLE NFT"; ip_forward \
                                     = 1; NFT -f - with the ruleset on stdin (exit != 0: EIO) */ \
  VL_OP (65, MOUNT_LOOP_HOST, "sssMs") /* MOUNT_LOOP, refused (EBUSY) if target is a mount's root  \
                                     (statx) or the image backs a loop device already; journaled   \
                                     "umount TARGET" (undo: umount2 MNT_DETACH) */ \
  /* The guest's console (monitor.c): a pty of its own devpts, held on the host by a monitor. */    \
  VL_OP (66, MONITOR, "sssuss")   /* run log lock logsize cli name: fork the monitor M (setsid,   \
                                     child subreaper, the caller's cgroups), which forks the rest \
                                     of the plan; the caller exits with its exit code. M takes the \
                                     console from CONSOLE, logs it to LOG (rotated to LOG.1 at     \
                                     LOGSIZE bytes), serves RUN/console, reaps the init; on its   \
                                     death undoes the start (RUN/stop) unless a command holds      \
                                     LOCK, and on a reboot (SIGHUP) runs `CLI NAME start` */       \
  VL_OP (67, CONSOLE, "ssii")     /* ptmx console uid gid: open(ptmx), unlockpt, TIOCGPTPEER: a   \
                                     pty of the guest's devpts; the peer fchown'd uid:gid, 0600,    \
                                     bound onto console and dup2'd to fds 1 and 2; the master     \
                                     sent to MONITOR (EBADF without one) */                        \
  VL_OP (68, REBOOT_NOTIFY, "")   /* seccomp(SET_MODE_FILTER, NEW_LISTENER) of a filter that      \
                                     notifies reboot(2); the listener sent to MONITOR, whose      \
                                     socket is closed then. Needs CAP_SYS_ADMIN */             \
  VL_OP (69, BOOT_ID, "ss")       /* scratch target: a new random UUID (/proc/sys/kernel/random/  \
                                     uuid) written to scratch (O_EXCL, 0444), bound read-only onto \
                                     target (the guest's boot_id), scratch unlinked: each start   \
                                     is a boot of its own; no target (hidden): nothing */           \
  /* The guest's views of the host's figures (lxcfs.c, timens.c): VServer's virt_* context flags.  */ \
  VL_OP (70, TIMENS, "")          /* unshare(CLONE_NEWTIME), then /proc/self/timens_offsets: the    \
                                     monotonic and boot clocks of the children start at 0 (their  \
                                     uptime, btime and process start times are the guest's) */    \
  VL_OP (71, LXCFS, "sssvv")      /* binary dir lock args needs: under flock(lock) an lxcfs serving \
                                     dir, started (binary args dir, a daemon) if none does; needs:  \
                                     "VIEW FLAG|FLAG" a view the running one serves only with a    \
                                     flag. Never fails: a warning, and the views off */            \
  VL_OP (72, LXCFS_BIND, "sss")   /* view source target: mount(source, target in root, MS_BIND|     \
                                     MS_REC) if LXCFS left the view on and source answers */     \
  /* A shared guest's wildcard listeners on all its addresses (steer.c): sk_lookup, no packet path */ \
  VL_OP (73, STEER, "ssEsiv")     /* idfile lock program btf xid addresses: under flock(lock) the    \
                                     run directory's sk_lookup link (id in idfile) found or made   \
                                     with its maps; the guest's sk_storage map (btf: hex); each    \
                                     "HEX32 FLAGS" address -> xid in ADDRS. BPF_ATTACH then loads  \
                                     with the maps as fd_array; MONITOR holds the link */

#define VL_OP_ENUM(n, name, sig) VL_OP_##name = n,
enum vl_op { VL_OPS (VL_OP_ENUM) };
#undef VL_OP_ENUM

#endif
