/* timens.c: TIMENS, the guest's own clocks (VServer's virt_uptime). A time namespace whose
 * monotonic and boot clocks are offset by their value at the start: the guest's /proc/uptime,
 * sysinfo(2), the btime of /proc/stat and the start times in /proc/PID/stat count from its start,
 * consistently, as only the kernel can (lxcfs's /proc/uptime would leave btime and the process
 * start times the host's, and ps would compute ages from both). The namespace is the host user
 * namespace's: the guest can neither change the offsets nor make another one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int
op_timens (struct vl_ctx *ctx, const struct vl_rec *r)
{
  struct timespec mono, boot;
  char text[128];
  int fd, n;

  (void) ctx, (void) r;
  if (unshare (CLONE_NEWTIME) < 0)
    return vl_fail ("unshare(CLONE_NEWTIME)", NULL);
  /* whole seconds back: a clock may not be set below 0, and the guest's starts within 1 s of it */
  if (clock_gettime (CLOCK_MONOTONIC, &mono) < 0 || clock_gettime (CLOCK_BOOTTIME, &boot) < 0)
    return vl_fail ("clock_gettime", NULL);
  n = snprintf (text, sizeof text, "%d %lld 0\n%d %lld 0\n", CLOCK_MONOTONIC, -(long long) mono.tv_sec, CLOCK_BOOTTIME,
                -(long long) boot.tv_sec);
  /* the children's namespace (time_for_children), until the first of them enters it */
  fd = open ("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return vl_fail ("open", "/proc/self/timens_offsets");
  if (write (fd, text, (size_t) n) != n)
    {
      int err = errno;
      close (fd);
      return vl_fail_errno ("write", "/proc/self/timens_offsets", err);
    }
  close (fd);
  return 0;
}
