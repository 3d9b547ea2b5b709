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

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int) syscall (SYS_bpf, cmd, attr, sizeof *attr);
}

/* BPF_ATTACH cgroup prog_type attach_type flags name program */
int
op_bpf_attach (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *cgroup = r->f[0].s, *name = r->f[4].s;
  char log[4096] = "";
  union bpf_attr attr;
  int prog, dir, err;

  (void) ctx;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = r->f[1].i;
  attr.expected_attach_type = r->f[2].i;
  attr.insns = (uint64_t) (uintptr_t) r->f[5].bpf.p;
  attr.insn_cnt = r->f[5].bpf.n;
  attr.license = (uint64_t) (uintptr_t) "GPL";
  attr.log_buf = (uint64_t) (uintptr_t) log;
  attr.log_size = sizeof log;
  attr.log_level = 1;
  snprintf (attr.prog_name, sizeof attr.prog_name, "%s", name);
  prog = sys_bpf (BPF_PROG_LOAD, &attr);
  if (prog < 0 && errno == ENOSPC) /* the verifier's log did not fit: load again without it */
    {
      attr.log_buf = 0, attr.log_size = 0, attr.log_level = 0;
      prog = sys_bpf (BPF_PROG_LOAD, &attr);
    }
  if (prog < 0)
    {
      err = errno;
      char *nl = strrchr (log, '\n');
      if (nl && nl[1] == '\0')
        *nl = '\0';
      return vl_failf (err, "bpf(BPF_PROG_LOAD, type %d, `%s`)%s%s", r->f[1].i, name, *log ? ": verifier: " : "",
                       log);
    }
  dir = open (cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    {
      err = errno;
      close (prog);
      return vl_fail_errno ("open", cgroup, err);
    }
  memset (&attr, 0, sizeof attr);
  attr.target_fd = dir;
  attr.attach_bpf_fd = prog;
  attr.attach_type = r->f[2].i;
  attr.attach_flags = r->f[3].i;
  err = sys_bpf (BPF_PROG_ATTACH, &attr) < 0 ? errno : 0;
  close (dir);
  close (prog);
  if (err)
    return vl_failf (err, "bpf(BPF_PROG_ATTACH, `%s`, attach type %d)", cgroup, r->f[2].i);
  return 0;
}
