/* loop.c: MOUNT_LOOP: a filesystem image mounted through a loop device that detaches itself.
 *
 * The device is configured with LO_FLAGS_AUTOCLEAR and the launcher keeps no fd of it: once
 * mounted, the mount holds the only reference, so unmounting the filesystem (or the death of the
 * last mount namespace that has it) frees the device. Nothing is journaled and nothing is left
 * behind when a guest dies; a failed mount frees the device before the op fails.
 *
 * MOUNT_LOOP_HOST is the same mount made on the host by a start (a disk-limited guest's private
 * layer, which the host must see to grow it): journaled "umount TARGET", undone detached.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
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

/* 1 if TARGET is the root of a mount (statx's STATX_ATTR_MOUNT_ROOT: a bind of the same filesystem
   counts too), 0 if not, -1 after vl_fail. */
static int
mount_root (const char *target)
{
  struct statx stx;

  if (statx (AT_FDCWD, target, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
    return vl_fail ("statx", target);
  if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
    return vl_failf (ENOSYS, "statx(`%s`): this kernel does not say whether a path is a mount point", target);
  return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

/* The loop device IMAGE backs already ("/dev/loopN" into DEV), 1; none, 0. */
static int
image_attached (const char *image, char *dev, size_t devlen)
{
  char want[4096], path[300], have[4096];
  DIR *d = opendir ("/sys/block");
  struct dirent *e;
  int found = 0;

  if (d == NULL || realpath (image, want) == NULL)
    {
      if (d)
        closedir (d);
      return 0;
    }
  while (!found && (e = readdir (d)) != NULL)
    {
      int fd;
      ssize_t n;
      if (strncmp (e->d_name, "loop", 4) != 0)
        continue;
      snprintf (path, sizeof path, "/sys/block/%s/loop/backing_file", e->d_name);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        continue;
      n = read (fd, have, sizeof have - 1);
      close (fd);
      if (n <= 0)
        continue;
      have[n] = '\0';
      if (have[n - 1] == '\n')
        have[n - 1] = '\0';
      if (strcmp (have, want) == 0)
        found = 1, snprintf (dev, devlen, "/dev/%s", e->d_name);
    }
  closedir (d);
  return found;
}

/* MOUNT_LOOP_HOST image target fstype flags data: MOUNT_LOOP on the host for a guest's start (a
   disk-limited guest's private layer), refused if the target is mounted already or the image backs
   a loop device (a second mount of one ext4 image corrupts it), then journaled "umount TARGET". */
int
op_mount_loop_host (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *image = r->f[0].s, *target = r->f[1].s;
  char dev[300];
  int m = mount_root (target);

  if (m < 0)
    return -1;
  if (m)
    return vl_failf (EBUSY, "!`%s` is mounted already (the guest's private layer, by another command?): unmount it"
                            " (umount %s) before the start", target, target);
  if (image_attached (image, dev, sizeof dev))
    return vl_failf (EBUSY, "!the disk image %s is in use by %s already: a second mount would corrupt it (find its"
                            " mount with: findmnt %s)", image, dev, dev);
  if (vl_journal_note (ctx, "umount", target) < 0)
    return -1;
  return op_mount_loop (ctx, r);
}

/* Undo of "umount P": detached (a host process with its cwd inside must not keep it mounted; the
   loop device goes with the last user); not mounted (any more) is fine. */
int
vl_umount_undo (const char *path)
{
  if (umount2 (path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 || errno == EINVAL || errno == ENOENT)
    return 0;
  fprintf (stderr, "vserver-launcher: undo: umount2(`%s`, MNT_DETACH) failed: %s\n", path, strerror (errno));
  return -1;
}
