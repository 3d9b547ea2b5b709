/* launcher.h: what the op files share: the run context, status reports and failures. */
#ifndef VL_LAUNCHER_H
#define VL_LAUNCHER_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

enum vl_mode
{
  VL_MODE_CHANNEL, /* started by Java: fd 3 = plan + acks, fd 4 = status */
  VL_MODE_REPLAY,  /* --replay FILE -- CMD...: no channels, failures on stderr */
};

#define VL_STEER_ADDRS 64 /* a guest's addresses MONITOR takes out of ADDRS (more: left to the link's end) */

struct vl_ctx
{
  enum vl_mode mode;
  char **cmd;    /* replay: the command line EXEC_ARGV runs */
  uint32_t step; /* index of the running record */
  int exec_gate;  /* CLONE mode 0 child: a close-on-exec pipe end whose EOF lets the parent exit; -1 */
  int root_fd;    /* OPEN_ROOT: the guest root every *_IN op resolves in (O_PATH); -1 */
  const char *root_path; /* its path, for messages */
  int journal_fd;  /* JOURNAL: the undo journal every host change is appended to first; -1 */
  int console_fd;  /* MONITOR's child: the socket CONSOLE sends the pty's master on; -1 */
  int lxcfs_ready; /* LXCFS: an lxcfs serves the guest's views (those not in lxcfs_off) */
  int lxcfs_pid;   /* LXCFS: that daemon (0: not found), for MONITOR to follow */
  unsigned long long lxcfs_ticks; /* its start time */
  char lxcfs_off[256]; /* LXCFS: the views it cannot serve, " virt_load " each */
  int steer_link;        /* STEER: the run directory's sk_lookup link (> 0: the guest's programs use the maps) */
  int steer_maps[4];     /* STEER: STORAGE, SOCKS, ROGUE, ADDRS: the fd_array of the guest's programs */
  uint32_t steer_xid;
  int steer_naddrs;
  unsigned char steer_addrs[VL_STEER_ADDRS][16]; /* the guest's ADDRS keys, for MONITOR to take out */
};

/* The failure of the running op: the call as text, e.g. "setns(`/proc/42/ns/mnt`)", and errno. */
struct vl_error
{
  char call[4400]; /* a PATH_MAX path and the call around it */
  int err;
};

extern struct vl_error vl_last_error;

/* Records errno as the failure of SYSCALL on PATH (NULL: no path); returns -1. */
int vl_fail (const char *syscall, const char *path);

/* As vl_fail, with an explicit errno. */
int vl_fail_errno (const char *syscall, const char *path, int err);

/* Records ERR as the failure of the call described by FMT, e.g. "prctl(PR_CAPBSET_DROP, %d)". */
int vl_failf (int err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Writes a status record on fd 4 (channel mode only; a no-op in replay). Returns 0, or -1 with
   errno set. */
int vl_status (const struct vl_ctx *ctx, uint32_t kind, uint32_t step, int32_t value);

/* Writes DETAIL(step, TEXT) on fd 4 (channel mode only): TEXT cut to VL_DETAIL_MAX bytes, header
   and text in one write. Returns 0, or -1 with errno set. */
int vl_status_detail (const struct vl_ctx *ctx, uint32_t step, const char *text);

/* run.c: runs the plan from record 0. Returns only on failure (-1, vl_last_error filled) or when the
   plan ends without exec (0). */
int vl_run (struct vl_ctx *ctx, const struct vl_plan *plan);

/* Exits like the child did: its exit code, or 128 + the signal that killed it. */
void vl_exit_like (int status) __attribute__ ((noreturn));

/* In a parent stage: closes its copies of the channels (the child keeps its own). */
void vl_close_channels (const struct vl_ctx *ctx);

/* The ops, one function each: ops.c, proc.c (CLONE, AWAIT, VERIFY_PROC), relay.c, reaper.c.
   The ops that fork return 0 in the child, which runs the rest of the plan; the parent never
   returns. */
int op_close_from (struct vl_ctx *ctx, const struct vl_rec *r);
int op_unshare (struct vl_ctx *ctx, const struct vl_rec *r);
int op_setns (struct vl_ctx *ctx, const struct vl_rec *r);
int op_clone (struct vl_ctx *ctx, const struct vl_rec *r);
int op_await (struct vl_ctx *ctx, const struct vl_rec *r);
int op_set_hostname (struct vl_ctx *ctx, const struct vl_rec *r);
int op_set_domainname (struct vl_ctx *ctx, const struct vl_rec *r);
int op_mkdir (struct vl_ctx *ctx, const struct vl_rec *r);
int op_mknod (struct vl_ctx *ctx, const struct vl_rec *r);
int op_symlink (struct vl_ctx *ctx, const struct vl_rec *r);
int op_mount (struct vl_ctx *ctx, const struct vl_rec *r);
int op_umount (struct vl_ctx *ctx, const struct vl_rec *r);
int op_pivot_root (struct vl_ctx *ctx, const struct vl_rec *r);
int op_chdir (struct vl_ctx *ctx, const struct vl_rec *r);
int op_verify_cwd (struct vl_ctx *ctx, const struct vl_rec *r);
int op_set_rlimit (struct vl_ctx *ctx, const struct vl_rec *r);
int op_prlimit (struct vl_ctx *ctx, const struct vl_rec *r);
int op_set_priority (struct vl_ctx *ctx, const struct vl_rec *r);
int op_set_ioprio (struct vl_ctx *ctx, const struct vl_rec *r);
int op_open_fd (struct vl_ctx *ctx, const struct vl_rec *r);
int op_write_fd (struct vl_ctx *ctx, const struct vl_rec *r);
int op_setsid (struct vl_ctx *ctx, const struct vl_rec *r);
int op_set_umask (struct vl_ctx *ctx, const struct vl_rec *r);
int op_set_ids (struct vl_ctx *ctx, const struct vl_rec *r);
int op_set_caps (struct vl_ctx *ctx, const struct vl_rec *r);
int op_no_new_privs (struct vl_ctx *ctx, const struct vl_rec *r);
int op_exec (struct vl_ctx *ctx, const struct vl_rec *r);
int op_exec_argv (struct vl_ctx *ctx, const struct vl_rec *r);
int op_write_file (struct vl_ctx *ctx, const struct vl_rec *r);
int op_verify_proc (struct vl_ctx *ctx, const struct vl_rec *r);
int op_setns_pid (struct vl_ctx *ctx, const struct vl_rec *r);
int op_pty_relay (struct vl_ctx *ctx, const struct vl_rec *r);
int op_reaper (struct vl_ctx *ctx, const struct vl_rec *r);
int op_seccomp (struct vl_ctx *ctx, const struct vl_rec *r);
int op_open_stdio (struct vl_ctx *ctx, const struct vl_rec *r);
int op_landlock_scope (struct vl_ctx *ctx, const struct vl_rec *r);
int op_chown (struct vl_ctx *ctx, const struct vl_rec *r);
int op_if_up (struct vl_ctx *ctx, const struct vl_rec *r);
int op_verify_init (struct vl_ctx *ctx, const struct vl_rec *r);
/* The init a run state file names (init.pid=, init.starttime=): 0, or -1 after vl_fail (ESRCH: none). */
int vl_state_init (const char *path, int *pid, uint64_t *ticks);
/* 1 if the init a run state file names is alive (not a zombie) and started when it says. */
int vl_init_running (const char *state);
int op_setns_init (struct vl_ctx *ctx, const struct vl_rec *r);

/* root.c: OPEN_ROOT and the ops on paths inside it; the root check of VERIFY_CWD. */
int op_open_root (struct vl_ctx *ctx, const struct vl_rec *r);
int op_mkdir_in (struct vl_ctx *ctx, const struct vl_rec *r);
int op_mknod_in (struct vl_ctx *ctx, const struct vl_rec *r);
int op_symlink_in (struct vl_ctx *ctx, const struct vl_rec *r);
int op_mount_in (struct vl_ctx *ctx, const struct vl_rec *r);
int op_bind_in (struct vl_ctx *ctx, const struct vl_rec *r);
int op_bind_idmap_in (struct vl_ctx *ctx, const struct vl_rec *r);
int op_chown_in (struct vl_ctx *ctx, const struct vl_rec *r);
int vl_verify_root (struct vl_ctx *ctx);

/* userns.c: USERNS_CREATE, SETNS_FD, MOUNT_IDMAP. */
int op_userns_create (struct vl_ctx *ctx, const struct vl_rec *r);
int op_setns_fd (struct vl_ctx *ctx, const struct vl_rec *r);
int op_mount_idmap (struct vl_ctx *ctx, const struct vl_rec *r);

/* The idmapped copy of SOURCE (open_tree CLONE|RECURSIVE, mount_setattr IDMAP of the user namespace
   USERNS_FD plus the MOUNT_ATTR_* of the mount(2) FLAGS), detached: its fd, or -1 after vl_fail. */
int vl_idmapped_tree (const char *source, int userns_fd, uint64_t flags);

/* loop.c: MOUNT_LOOP. */
int op_mount_loop (struct vl_ctx *ctx, const struct vl_rec *r);
int op_mount_loop_host (struct vl_ctx *ctx, const struct vl_rec *r);
int vl_umount_undo (const char *path);

/* journal.c: JOURNAL and the host changes it records; the undo of a journal. */
int op_journal (struct vl_ctx *ctx, const struct vl_rec *r);
int op_mkdir_host (struct vl_ctx *ctx, const struct vl_rec *r);
int op_cgroup_mkdir (struct vl_ctx *ctx, const struct vl_rec *r);
int op_create_file (struct vl_ctx *ctx, const struct vl_rec *r);
int op_link (struct vl_ctx *ctx, const struct vl_rec *r);
/* The journal's fd is moved to this or above, where no plan names an fd. */
#define VL_HIGH_FD 100
/* Appends "VERB PATH" to the journal; 0, or -1 after vl_fail. */
int vl_journal_note (struct vl_ctx *ctx, const char *verb, const char *path);
/* Undoes the journal at PATH newest first, then removes it; 0, or -1 (said on stderr, journal kept). */
int vl_journal_undo (const char *path);

/* addr.c: ADDR_ADD, and the undo of its journal line ("DEV ADDR/PREFIX"). */
int op_addr_add (struct vl_ctx *ctx, const struct vl_rec *r);
int vl_addr_undo (const char *line);
/* "ADDR[/PREFIX]" into family, bytes and prefix; -1 if it is none. */
int vl_addr_parse (const char *text, int *family, unsigned char *addr, int *prefix);
/* M as RTM_NEWADDR of ADDR/PREFIX on INDEX, as ip addr add would (broadcast, label; IPv6 nodad). */
struct vl_nl;
void vl_nl_new_addr (struct vl_nl *m, int family, const unsigned char *addr, int prefix, int index, const char *label);

/* rtnl.c: rtnetlink messages, built in one buffer. */
struct vl_nl
{
  struct nlmsghdr nh;
  char body[2048];
  int overflow; /* an attribute did not fit: the send fails EMSGSIZE */
};
struct vl_link
{
  int index, master;
  unsigned mtu;
  char name[IF_NAMESIZE + 1], kind[32];
};
int vl_nl_open (void);
void vl_nl_init (struct vl_nl *m, int type, int flags);
void *vl_nl_put (struct vl_nl *m, const void *data, size_t len);
void vl_nl_attr (struct vl_nl *m, int type, const void *data, size_t len);
void vl_nl_u32 (struct vl_nl *m, int type, uint32_t v);
void vl_nl_str (struct vl_nl *m, int type, const char *s);
size_t vl_nl_begin (struct vl_nl *m, int type);
void vl_nl_end (struct vl_nl *m, size_t at);
int vl_nl_transact (int fd, struct vl_nl *m);
int vl_nl_dump (int fd, struct vl_nl *m, void (*each) (struct nlmsghdr *, void *), void *arg);
int vl_nl_link (int fd, const char *name, struct vl_link *out);
void vl_nl_parse_link (struct nlmsghdr *h, struct vl_link *out);
int vl_nl_set_link (int fd, int index, unsigned flags, unsigned change, int type, uint32_t value);
int vl_nl_del_link (int fd, int index);
unsigned long vl_netns_inode (void);

/* veth.c, nat.c: a netns guest's network (NETNS_CREATE, VETH, NETNS_CONFIG, NAT) and the undo of
   their journal lines ("veth NETNS NAME", "bridge NETNS NAME RUNDIR", "nat NETNS TABLE NFT"). */
int op_netns_create (struct vl_ctx *ctx, const struct vl_rec *r);
int op_veth (struct vl_ctx *ctx, const struct vl_rec *r);
int op_netns_config (struct vl_ctx *ctx, const struct vl_rec *r);
int op_nat (struct vl_ctx *ctx, const struct vl_rec *r);
int vl_veth_undo (const char *line);
int vl_bridge_undo (const char *line);
int vl_nat_undo (const char *line);

/* bpf.c, cpuset.c: the cgroup steps that read or load at run time. */
int op_bpf_attach (struct vl_ctx *ctx, const struct vl_rec *r);
int vl_bpf_load (int type, int expected, const char *name, const union vl_field *prog);
union bpf_attr;
int vl_sys_bpf (int cmd, union bpf_attr *attr);
int vl_bpf_load_maps (int type, int expected, const char *name, const union vl_field *prog, const int *fds);
int vl_bpf_attach (int target, int prog, int attach_type, int flags);
int op_cpuset_inherit (struct vl_ctx *ctx, const struct vl_rec *r);

/* monitor.c: MONITOR, CONSOLE (the guest's console pty and the host process that holds it). */
int op_monitor (struct vl_ctx *ctx, const struct vl_rec *r);
int op_console (struct vl_ctx *ctx, const struct vl_rec *r);
int op_reboot_notify (struct vl_ctx *ctx, const struct vl_rec *r);
int op_boot_id (struct vl_ctx *ctx, const struct vl_rec *r);
int op_timens (struct vl_ctx *ctx, const struct vl_rec *r);
int op_lxcfs (struct vl_ctx *ctx, const struct vl_rec *r);
int op_lxcfs_bind (struct vl_ctx *ctx, const struct vl_rec *r);
int op_steer (struct vl_ctx *ctx, const struct vl_rec *r);
/* steer.c: the keys (of xid) out of the ADDRS map */
void vl_steer_forget (int addrs, uint32_t xid, unsigned char (*keys)[16], int n);
/* lxcfs.c: whether LXCFS left VIEW (virt_mem, ...) on */
int vl_lxcfs_view_on (const struct vl_ctx *ctx, const char *view);
/* lxcfs.c: in a child, the lxcfs mounts of the mount namespace of PID detached (the daemon died);
   the number detached, or -1 with errno */
int vl_lxcfs_detach (int pid);
/* attach.c: --console SOCKET NAME: the caller's terminal on the guest's console; the exit code. */
int vl_attach (const char *socket, const char *name);

/* The build's identity (generated by the Makefile from the sources' digest). */
extern const char vl_build_id[];

/* key.c: a cached plan's key, checked against the inputs as they are now. */
#define VL_KEY_DIRECTIVES 64
struct vl_key
{
  char *text;                                /* the key file, cut up in place */
  const char *directives[VL_KEY_DIRECTIVES][2]; /* the lines that are no input: word, rest */
  int ndirectives;
};
/* 0: every input as compiled; 1: one changed (WHY names it); -1: not a key (WHY says why). */
int vl_key_check (struct vl_key *key, char *why, size_t whylen);
/* The rest of the first directive line NAME, or NULL. */
const char *vl_key_get (const struct vl_key *key, const char *name);

/* start.c: --start DIR (ARGV: the command line, cleared in the worker: its init shows no host path);
   with VL_START_LOCKED the caller (java's start) holds the guest's lock and
   waits for us; VL_START_CHECK (--check DIR) only says whether the cached plan is current. */
#define VL_START_CHECK  1
#define VL_START_LOCKED 2
int vl_start (const char *dir, int how, char **argv);
/* The guest's lock as java's GuestLock takes it (the run directory made if missing): its fd, or -1. */
int vl_lock_guest (const char *path);
/* As vl_lock_guest, without waiting: -1 with EAGAIN while another command holds it. */
int vl_try_lock_guest (const char *path);
/* CLOCK_MONOTONIC in milliseconds: deadlines and rate windows. */
long vl_mono_ms (void);
/* /proc/PID/stat's state letter and start time (ticks); 0, or -1. */
int vl_proc_stat (int pid, char *state, unsigned long long *ticks);
/* stop.c: what a guest whose init PID (started at TICKS) has died left, undone as --stop does
   after the kill sequence, if RUN/state still names that init: 0 done, 1 nothing to do, -1 failed. */
int vl_stop_dead (const char *run, int pid, unsigned long long ticks);
/* Releases it: the lock file removed, and the run directory if nothing else is left in it. */
void vl_unlock_guest (const char *path, int fd);
/* A whole file of at most 1 MiB, NUL-terminated (malloc'd), or NULL. */
char *vl_read_small (const char *path);

/* status.c: --status RUN: prints the run's status template filled in; 124: java's to say. */
int vl_status_print (const char *run);

/* stop.c: --stop RUN. SELF: this launcher's path, to replay the stop command's plan with. */
int vl_stop (const char *run, const char *self);
/* Writes VALUE (FROZEN, THAWED, 1, 0) to a freezer control FILE; v1's FROZEN awaited (5 s): 0, or -1. */
int vl_freeze (const char *file, const char *value);
/* Removes a tree, links removed and never followed, never leaving its filesystem; absent is fine. */
int vl_remove_tree (const char *path);

/* seal.c: re-executes from a sealed memfd unless already running from one; returns only when
   sealed, exits 125 on any failure. */
void vl_seal_self (char **argv);

#endif
