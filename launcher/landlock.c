/* landlock.c: LANDLOCK_SCOPE: a Landlock domain that handles no file or network access, only
 * scopes (Landlock ABI 6, Linux 6.12+). With LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET this process and
 * everything it starts can connect and send only to abstract unix sockets created inside its own
 * domain (or domains nested in it): not the host's, not another guest's.
 *
 * Like SECCOMP, guests get no no_new_privs (setuid binaries must work inside), so the kernel
 * wants CAP_SYS_ADMIN for landlock_restrict_self: the plan puts this op before SET_CAPS, and
 * before SECCOMP (whose filter need not allow the landlock calls). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher.h"

/* include/uapi/linux/landlock.h, spelled out: the build host's headers may predate ABI 6. */
#define VL_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define VL_LANDLOCK_SCOPE_ABI 6
/* What a refusal means for the admin: the scope is not optional (fail closed). */
#define WHY                                                                                        \
  "without the scope a shared guest or chbind command would reach the host's abstract unix "      \
  "sockets: use interfaces/mode netns on this kernel"

struct vl_landlock_ruleset_attr
{
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

/* LANDLOCK_SCOPE: landlock_restrict_self(landlock_create_ruleset({.scoped = bits}), 0) */
int
op_landlock_scope (struct vl_ctx *ctx, const struct vl_rec *r)
{
  struct vl_landlock_ruleset_attr attr = { 0, 0, r->f[0].u };
  long abi, fd;

  (void) ctx;
  abi = syscall (SYS_landlock_create_ruleset, NULL, 0, VL_LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 0)
    return vl_failf (errno, "landlock_create_ruleset(LANDLOCK_CREATE_RULESET_VERSION): %s; " WHY,
                     errno == EOPNOTSUPP ? "Landlock is not active (lsm= on the kernel command line)"
                                         : "no Landlock in this kernel (CONFIG_SECURITY_LANDLOCK)");
  if (abi < VL_LANDLOCK_SCOPE_ABI)
    return vl_failf (EOPNOTSUPP, "landlock_create_ruleset(scoped 0x%llx): Landlock ABI %ld, scopes need ABI %d (Linux 6.12+); " WHY,
                     (unsigned long long) attr.scoped, abi, VL_LANDLOCK_SCOPE_ABI);
  fd = syscall (SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (fd < 0)
    return vl_failf (errno, "landlock_create_ruleset(scoped 0x%llx)", (unsigned long long) attr.scoped);
  if (syscall (SYS_landlock_restrict_self, (int) fd, 0) < 0)
    {
      int e = errno;

      close ((int) fd);
      return vl_failf (e, "landlock_restrict_self(scoped 0x%llx)%s", (unsigned long long) attr.scoped,
                       e == EPERM ? ": needs CAP_SYS_ADMIN or no_new_privs" : "");
    }
  close ((int) fd);
  return 0;
}
