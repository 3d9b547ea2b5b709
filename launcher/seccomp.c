/* seccomp.c: SECCOMP: load the guest's filter (built and checked in Java, org.vserver.seccomp).
 *
 * Guests are not given no_new_privs (setuid binaries such as su must work inside), so the kernel
 * wants CAP_SYS_ADMIN for the load: the plan puts this op before SET_CAPS. No TSYNC: the launcher
 * has no threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher.h"

int
op_seccomp (struct vl_ctx *ctx, const struct vl_rec *r)
{
  struct sock_fprog prog = { .len = (unsigned short) r->f[0].bpf.n, .filter = r->f[0].bpf.p };

  (void) ctx;
  if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
    return vl_failf (errno, "seccomp(SECCOMP_SET_MODE_FILTER, %u instructions)%s", prog.len,
                     errno == EACCES ? ": needs CAP_SYS_ADMIN or no_new_privs" :
                     errno == EINVAL ? ": the kernel rejected the program (or has no CONFIG_SECCOMP_FILTER)" : "");
  return 0;
}
