/* bpf.c: BPF_ATTACH: a cgroup-bpf program, loaded from the instructions Java compiled and attached
 * to a guest's cgroup (its device policy; doc/plan-cache.md). The attachment holds the program:
 * both fds are closed here, and the program goes when the cgroup is removed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher.h"

/* bpf(2), the one wrapper of the launcher's bpf calls (bpf.c, steer.c): its result, errno set */
int
vl_sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

/* Loads PROG (eBPF, license GPL) as TYPE for EXPECTED attach type, named NAME: its fd, or -1 after
   vl_failf (with the verifier's last words when it refused). */
int
vl_bpf_load (int type, int expected, const char *name, const union vl_field *prog)
{
  return vl_bpf_load_maps (type, expected, name, prog, NULL);
}

/* As vl_bpf_load, with FDS (4 map fds, or NULL) as the fd_array its BPF_PSEUDO_MAP_IDX loads name. */
int
vl_bpf_load_maps (int type, int expected, const char *name, const union vl_field *prog, const int *fds)
{
  char log[4096] = "";
  union bpf_attr attr;
  int fd, err;

  memset (&attr, 0, sizeof attr);
  attr.prog_type = type;
  attr.expected_attach_type = expected;
  attr.insns = (uint64_t) (uintptr_t) prog->bpf.p;
  attr.insn_cnt = prog->bpf.n;
  attr.license = (uint64_t) (uintptr_t) "GPL";
  attr.log_buf = (uint64_t) (uintptr_t) log;
  attr.log_size = sizeof log;
  attr.log_level = 1;
  if (fds != NULL)
    attr.fd_array = (uint64_t) (uintptr_t) fds;
  snprintf (attr.prog_name, sizeof attr.prog_name, "%s", name);
  fd = vl_sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd < 0 && errno == ENOSPC) /* the verifier's log did not fit: load again without it */
    {
      attr.log_buf = 0, attr.log_size = 0, attr.log_level = 0;
      fd = vl_sys_bpf (BPF_PROG_LOAD, &attr);
    }
  if (fd >= 0)
    return fd;
  err = errno;
  char *nl = strrchr (log, '\n');
  if (nl && nl[1] == '\0')
    *nl = '\0';
  return vl_failf (err, "bpf(BPF_PROG_LOAD, type %d, `%s`)%s%s", type, name, *log ? ": verifier: " : "", log);
}

/* bpf(BPF_PROG_ATTACH) of PROG to TARGET (a cgroup's fd, or a device's ifindex for tcx): 0 or -errno. */
int
vl_bpf_attach (int target, int prog, int attach_type, int flags)
{
  union bpf_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.target_fd = target;
  attr.attach_bpf_fd = prog;
  attr.attach_type = attach_type;
  attr.attach_flags = flags;
  return vl_sys_bpf (BPF_PROG_ATTACH, &attr) < 0 ? -errno : 0;
}

/* BPF_ATTACH cgroup prog_type attach_type flags name program */
int
op_bpf_attach (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *cgroup = r->f[0].s;
  int prog, dir, err;

  prog = vl_bpf_load_maps (r->f[1].i, r->f[2].i, r->f[4].s, &r->f[5], ctx->steer_link > 0 ? ctx->steer_maps : NULL);
  if (prog < 0)
    return -1;
  dir = open (cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    {
      err = errno;
      close (prog);
      return vl_fail_errno ("open", cgroup, err);
    }
  err = -vl_bpf_attach (dir, prog, r->f[2].i, r->f[3].i);
  close (dir);
  close (prog);
  if (err)
    return vl_failf (err, "bpf(BPF_PROG_ATTACH, `%s`, attach type %d)", cgroup, r->f[2].i);
  return 0;
}
