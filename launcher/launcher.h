/* launcher.h: what the op files share: the run context, status reports and failures. */
#ifndef VL_LAUNCHER_H
#define VL_LAUNCHER_H

#include <signal.h>
#include <stdint.h>

#include "plan.h"

enum vl_mode
{
  VL_MODE_CHANNEL, /* started by Java: fd 3 = plan + acks, fd 4 = status */
  VL_MODE_REPLAY,  /* --replay FILE -- CMD...: no channels, failures on stderr */
};

struct vl_ctx
{
  enum vl_mode mode;
  char **cmd;    /* replay: the command line EXEC_ARGV runs */
  uint32_t step; /* index of the running record */
  int exec_gate;  /* CLONE mode 0 child: a close-on-exec pipe end whose EOF lets the parent exit; -1 */
  int root_fd;    /* OPEN_ROOT: the guest root every *_IN op resolves in (O_PATH); -1 */
  const char *root_path; /* its path, for messages */
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

/* seal.c: re-executes from a sealed memfd unless already running from one; returns only when
   sealed, exits 125 on any failure. */
void vl_seal_self (char **argv);

#endif
