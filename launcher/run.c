/* run.c: runs a decoded plan record by record, and keeps what its ops share: the failure of the
 * running op (which call, which path, which errno) and the status records on fd 4.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"

struct vl_error vl_last_error;

int
vl_fail_errno (const char *syscall, const char *path, int err)
{
  if (path)
    snprintf (vl_last_error.call, sizeof vl_last_error.call, "%s(`%s`)", syscall, path);
  else
    snprintf (vl_last_error.call, sizeof vl_last_error.call, "%s()", syscall);
  vl_last_error.err = err;
  errno = err;
  return -1;
}

int
vl_fail (const char *syscall, const char *path)
{
  return vl_fail_errno (syscall, path, errno);
}

int
vl_failf (int err, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (vl_last_error.call, sizeof vl_last_error.call, fmt, ap);
  va_end (ap);
  vl_last_error.err = err;
  errno = err;
  return -1;
}

int
vl_status (const struct vl_ctx *ctx, uint32_t kind, uint32_t step, int32_t value)
{
  uint32_t rec[3] = { kind, step, (uint32_t) value };
  ssize_t n;

  if (ctx->mode != VL_MODE_CHANNEL)
    return 0;
  do
    n = write (VL_STATUS_FD, rec, sizeof rec);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -1;
  if (n != (ssize_t) sizeof rec) /* a pipe write of 12 bytes is atomic */
    return errno = EPIPE, -1;
  return 0;
}

int
vl_status_detail (const struct vl_ctx *ctx, uint32_t step, const char *text)
{
  /* one write of at most PIPE_BUF bytes: atomic on a pipe, never interleaved or cut by a signal */
  unsigned char buf[3 * sizeof (uint32_t) + VL_DETAIL_MAX];
  uint32_t rec[3] = { VL_STATUS_DETAIL, step, 0 };
  size_t len = strlen (text);
  ssize_t n;

  if (ctx->mode != VL_MODE_CHANNEL)
    return 0;
  if (len > VL_DETAIL_MAX)
    len = VL_DETAIL_MAX;
  memcpy (buf + sizeof rec, text, len);
  if (len == VL_DETAIL_MAX)
    memcpy (buf + sizeof rec + len - 3, "...", 3);
  rec[2] = (uint32_t) len;
  memcpy (buf, rec, sizeof rec);
  do
    n = write (VL_STATUS_FD, buf, sizeof rec + len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -1;
  if (n != (ssize_t) (sizeof rec + len))
    return errno = EPIPE, -1;
  return 0;
}

void
vl_close_channels (const struct vl_ctx *ctx)
{
  if (ctx->exec_gate >= 0)
    close (ctx->exec_gate);
  if (ctx->console_fd >= 0)
    close (ctx->console_fd);
  if (ctx->mode != VL_MODE_CHANNEL)
    return;
  close (VL_PLAN_FD);
  close (VL_STATUS_FD);
}

typedef int (*vl_op_fn) (struct vl_ctx *ctx, const struct vl_rec *r);

static const vl_op_fn vl_op_fns[] = {
  [VL_OP_CLOSE_FROM] = op_close_from,
  [VL_OP_UNSHARE] = op_unshare,
  [VL_OP_SETNS] = op_setns,
  [VL_OP_CLONE] = op_clone,
  [VL_OP_AWAIT] = op_await,
  [VL_OP_SET_HOSTNAME] = op_set_hostname,
  [VL_OP_SET_DOMAINNAME] = op_set_domainname,
  [VL_OP_MKDIR] = op_mkdir,
  [VL_OP_MKNOD] = op_mknod,
  [VL_OP_SYMLINK] = op_symlink,
  [VL_OP_MOUNT] = op_mount,
  [VL_OP_UMOUNT] = op_umount,
  [VL_OP_PIVOT_ROOT] = op_pivot_root,
  [VL_OP_CHDIR] = op_chdir,
  [VL_OP_VERIFY_CWD] = op_verify_cwd,
  [VL_OP_SET_RLIMIT] = op_set_rlimit,
  [VL_OP_SET_PRIORITY] = op_set_priority,
  [VL_OP_SET_IOPRIO] = op_set_ioprio,
  [VL_OP_OPEN_FD] = op_open_fd,
  [VL_OP_WRITE_FD] = op_write_fd,
  [VL_OP_SETSID] = op_setsid,
  [VL_OP_SET_IDS] = op_set_ids,
  [VL_OP_SET_CAPS] = op_set_caps,
  [VL_OP_NO_NEW_PRIVS] = op_no_new_privs,
  [VL_OP_EXEC] = op_exec,
  [VL_OP_EXEC_ARGV] = op_exec_argv,
  [VL_OP_WRITE_FILE] = op_write_file,
  [VL_OP_VERIFY_PROC] = op_verify_proc,
  [VL_OP_PTY_RELAY] = op_pty_relay,
  [VL_OP_REAPER] = op_reaper,
  [VL_OP_SET_UMASK] = op_set_umask,
  [VL_OP_SETNS_PID] = op_setns_pid,
  [VL_OP_SECCOMP] = op_seccomp,
  [VL_OP_OPEN_ROOT] = op_open_root,
  [VL_OP_MKDIR_IN] = op_mkdir_in,
  [VL_OP_MKNOD_IN] = op_mknod_in,
  [VL_OP_SYMLINK_IN] = op_symlink_in,
  [VL_OP_MOUNT_IN] = op_mount_in,
  [VL_OP_BIND_IN] = op_bind_in,
  [VL_OP_OPEN_STDIO] = op_open_stdio,
  [VL_OP_USERNS_CREATE] = op_userns_create,
  [VL_OP_SETNS_FD] = op_setns_fd,
  [VL_OP_MOUNT_IDMAP] = op_mount_idmap,
  [VL_OP_BIND_IDMAP_IN] = op_bind_idmap_in,
  [VL_OP_LANDLOCK_SCOPE] = op_landlock_scope,
  [VL_OP_CHOWN_IN] = op_chown_in,
  [VL_OP_CHOWN] = op_chown,
  [VL_OP_PRLIMIT] = op_prlimit,
  [VL_OP_MOUNT_LOOP] = op_mount_loop,
  [VL_OP_JOURNAL] = op_journal,
  [VL_OP_MKDIR_HOST] = op_mkdir_host,
  [VL_OP_CGROUP_MKDIR] = op_cgroup_mkdir,
  [VL_OP_CREATE_FILE] = op_create_file,
  [VL_OP_LINK] = op_link,
  [VL_OP_BPF_ATTACH] = op_bpf_attach,
  [VL_OP_CPUSET_INHERIT] = op_cpuset_inherit,
  [VL_OP_IF_UP] = op_if_up,
  [VL_OP_VERIFY_INIT] = op_verify_init,
  [VL_OP_SETNS_INIT] = op_setns_init,
  [VL_OP_ADDR_ADD] = op_addr_add,
  [VL_OP_NETNS_CREATE] = op_netns_create,
  [VL_OP_VETH] = op_veth,
  [VL_OP_NETNS_CONFIG] = op_netns_config,
  [VL_OP_NAT] = op_nat,
  [VL_OP_MOUNT_LOOP_HOST] = op_mount_loop_host,
  [VL_OP_MONITOR] = op_monitor,
  [VL_OP_CONSOLE] = op_console,
  [VL_OP_REBOOT_NOTIFY] = op_reboot_notify,
  [VL_OP_BOOT_ID] = op_boot_id,
  [VL_OP_TIMENS] = op_timens,
  [VL_OP_LXCFS] = op_lxcfs,
  [VL_OP_LXCFS_BIND] = op_lxcfs_bind,
  [VL_OP_STEER] = op_steer,
};

/* Only mount(2) takes NULL strings (source, fstype, data; MOUNT_LOOP's data only), and ADDR_ADD
   a NULL label; everywhere else NULL is a plan bug. */
static int
null_allowed (const struct vl_rec *r, int field)
{
  if (r->op == VL_OP_MOUNT_LOOP || r->op == VL_OP_MOUNT_LOOP_HOST)
    return field == 4;
  if (r->op == VL_OP_ADDR_ADD)
    return field == 3; /* no label (IPv6) */
  return (r->op == VL_OP_MOUNT || r->op == VL_OP_MOUNT_IN) && field != 1;
}

/* VSERVER_LAUNCHER_FAIL_STEP=N: step N fails with EIO before its op runs. The tests' failure
   injection (every host step of a start must undo cleanly); the caller is root and sets our
   environment anyway, so the hook gives nobody anything. */
static long
step_from_env (const char *name)
{
  const char *s = getenv (name);
  char *end;
  long n;

  if (s == NULL || *s == '\0')
    return -1;
  n = strtol (s, &end, 10);
  return *end == '\0' && n >= 0 ? n : -1;
}

int
vl_run (struct vl_ctx *ctx, const struct vl_plan *plan)
{
  long inject = step_from_env ("VSERVER_LAUNCHER_FAIL_STEP");
  /* VSERVER_LAUNCHER_PAUSE_STEP=N: SIGSTOP before step N, for a test to kill -9 the launcher there */
  long pause = step_from_env ("VSERVER_LAUNCHER_PAUSE_STEP");

  for (ctx->step = 0; ctx->step < plan->count; ctx->step++)
    {
      const struct vl_rec *r = &plan->rec[ctx->step];
      vl_op_fn fn = r->op < sizeof vl_op_fns / sizeof vl_op_fns[0] ? vl_op_fns[r->op] : NULL;
      int k;

      if (fn == NULL)
        return vl_failf (ENOSYS, "%s: no handler", r->name);
      for (k = 0; r->sig[k]; k++)
        if (r->sig[k] == 's' && r->f[k].s == NULL && !null_allowed (r, k))
          return vl_failf (EINVAL, "%s: field %d is NULL", r->name, k);
      if ((long) ctx->step == pause)
        kill (getpid (), SIGSTOP);
      if ((long) ctx->step == inject)
        return vl_failf (EIO, "%s: injected failure (VSERVER_LAUNCHER_FAIL_STEP=%ld)", r->name, inject);
      if (fn (ctx, r) < 0)
        return -1;
    }
  return 0;
}
