/* loop.c: MOUNT_LOOP: a filesystem image mounted through a loop device that detaches itself.
 *
 * The device is configured with LO_FLAGS_AUTOCLEAR and the launcher keeps no fd of it: once
 * mounted, the mount holds the only reference, so unmounting the filesystem (or the death of the
 * last mount namespace that has it) frees the device. Nothing is journaled and nothing is left
 * behind when a guest dies; a failed mount frees the device before the op fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "launcher.h"

#define LOOP_CONTROL "/dev/loop-control"

/* Another process may take the device LOOP_CTL_GET_FREE named before our LOOP_CONFIGURE (EBUSY):
   ask for a free one again, this many times in all. */
#define LOOP_TRIES 8

/* A free loop device bound to IMAGE_FD with autoclear (read-only if RDONLY): its fd, its path in
   DEV; or -1 after vl_fail. */
static int
loop_attach (int image_fd, int rdonly, char *dev, size_t devlen)
{
  struct loop_config cfg;
  int ctl, fd = -1, n, tries;

  memset (&cfg, 0, sizeof cfg);
  cfg.fd = (unsigned) image_fd;
  cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | (rdonly ? LO_FLAGS_READ_ONLY : 0);
  ctl = open (LOOP_CONTROL, O_RDWR | O_CLOEXEC);
  if (ctl < 0)
    return vl_fail ("open", LOOP_CONTROL);
  for (tries = 0; tries < LOOP_TRIES; tries++)
    {
      n = ioctl (ctl, LOOP_CTL_GET_FREE);
      if (n < 0)
        {
          vl_failf (errno, "ioctl(`%s`, LOOP_CTL_GET_FREE)", LOOP_CONTROL);
          break;
        }
      snprintf (dev, devlen, "/dev/loop%d", n);
      fd = open (dev, O_RDWR | O_CLOEXEC);
      if (fd < 0)
        {
          vl_fail ("open", dev);
          break;
        }
      if (ioctl (fd, LOOP_CONFIGURE, &cfg) == 0)
        break;
      vl_failf (errno, "ioctl(`%s`, LOOP_CONFIGURE)", dev);
      close (fd);
      fd = -1;
      if (vl_last_error.err != EBUSY)
        break;
    }
  close (ctl);
  if (fd < 0)
    return -1;
  /* direct I/O keeps the image's blocks out of the host's page cache (the guest's filesystem
     caches them already); where the backing filesystem cannot do it, buffered I/O is as correct */
  (void) ioctl (fd, LOOP_SET_DIRECT_IO, 1UL);
  return fd;
}

/* MOUNT_LOOP image target fstype flags data: open(image), a free /dev/loopN bound to it with
   autoclear, mount(/dev/loopN, target, fstype, flags, data); both fds closed */
int
op_mount_loop (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *image = r->f[0].s, *target = r->f[1].s, *fstype = r->f[2].s;
  int rdonly = (r->f[3].u & MS_RDONLY) != 0;
  int image_fd, loop_fd, err;
  char dev[32];

  (void) ctx;
  image_fd = open (image, (rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (image_fd < 0)
    return vl_fail ("open", image);
  loop_fd = loop_attach (image_fd, rdonly, dev, sizeof dev);
  close (image_fd); /* the device holds the file now */
  if (loop_fd < 0)
    return -1;
  if (mount (dev, target, fstype, (unsigned long) r->f[3].u, r->f[4].s) == 0)
    {
      close (loop_fd); /* the mount's reference is the last: unmounting frees the device */
      return 0;
    }
  err = errno;
  /* LOOP_CLR_FD frees it now, or, while another opener (udev's probe) holds it, leaves it to
     autoclear at that opener's close: no failed start leaves a device bound */
  (void) ioctl (loop_fd, LOOP_CLR_FD, 0);
  close (loop_fd);
  return vl_failf (err, "mount(`%s` on `%s`, %s)", dev, target, fstype);
}
