/* seal.c: run only from a sealed copy of ourselves (CVE-2019-5736).
 *
 * The launcher enters guest namespaces; a guest process that could open /proc/<launcher>/exe for
 * writing would overwrite the host's binary. So before anything else the launcher copies itself
 * into a memfd, seals it against every change and re-executes from it: /proc/self/exe is then
 * "/memfd:vserver-launcher (deleted)", which nothing can write. runc's exeseal and crun's
 * cloned_binary.c do the same. fds 3 and 4 are not close-on-exec yet, so they survive the
 * re-exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "launcher.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static void __attribute__ ((noreturn))
die (const char *call)
{
  int err = errno;
  const char *name = strerrorname_np (err);

  fprintf (stderr,
           "vserver-launcher: cannot run from a sealed copy of itself, refusing to run unsealed: "
           "%s failed: %s (%s)\n",
           call, strerror (err), name ? name : "E?");
  _exit (VL_EXIT_SETUP);
}

void
vl_seal_self (char **argv)
{
  int exe, mfd, seals;

  exe = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    die ("open(`/proc/self/exe`)");
  seals = fcntl (exe, F_GET_SEALS);
  if (seals >= 0 && (seals & F_SEAL_WRITE))
    {
      close (exe);
      return; /* already the sealed copy */
    }

  mfd = memfd_create ("vserver-launcher", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    die ("memfd_create(`vserver-launcher`)");
  for (;;)
    {
      ssize_t n = sendfile (mfd, exe, NULL, 1 << 20);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        die ("sendfile(`/proc/self/exe`)");
      if (n == 0)
        break;
    }
  close (exe);
  if (fcntl (mfd, F_ADD_SEALS, SEALS) < 0)
    die ("fcntl(F_ADD_SEALS)");
  fexecve (mfd, argv, environ);
  die ("fexecve(`memfd:vserver-launcher`)");
}
