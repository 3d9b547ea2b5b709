/* root.c: the ops that reach into a guest's tree (protocol.h: OPEN_ROOT and the *_IN ops).
 *
 * The tree belongs to the guest: its root user plants links in it (`tmp -> /`, `mnt/x -> /etc`),
 * and a process of the guest, or anyone with access to the tree on the host, can swap a directory
 * and a link while a start runs. A host path like VDIR/tmp handed to mkdir(2) or mount(2) is
 * resolved by the kernel in the launcher's view, where `/` is the host's: that is runc's
 * CVE-2021-30465 and the start that mounted over the host's root. So the guest root is opened
 * once (OPEN_ROOT), every path in it is resolved from that fd with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) (a link's absolute target starts again at the guest root, ".." stops
 * there, /proc/PID/root and friends are refused), the last component is never followed, and the
 * syscall then acts on the fd: mkdirat/mknodat/symlinkat on the parent's fd, mount(2) on
 * /proc/self/fd/N of an O_PATH fd of the target itself, move_mount(2) and fchownat(2) on that fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher.h"

/* The kernel answers EAGAIN when a rename or mount raced with a ".." of a scoped lookup; a
   swapper in the tree can make that happen again and again, so the retries are bounded. */
#define VL_RESOLVE_TRIES 256

/* openat2(root, path, flags | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); -1 with errno */
static int
resolve (const struct vl_ctx *ctx, const char *path, int flags)
{
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  int i;

  if (ctx->root_fd < 0)
    return errno = EBADF, -1;
  for (i = 0; i < VL_RESOLVE_TRIES; i++)
    {
      long fd = syscall (SYS_openat2, ctx->root_fd, path, &how, sizeof how);
      if (fd >= 0)
        return (int) fd;
      if (errno != EAGAIN && errno != EINTR)
        return -1;
    }
  return -1;
}

/* Same mount, device and inode (the mount id where the kernel gives one). */
static int
same_file (const struct statx *a, const struct statx *b)
{
  if (a->stx_dev_major != b->stx_dev_major || a->stx_dev_minor != b->stx_dev_minor || a->stx_ino != b->stx_ino)
    return 0;
  if ((a->stx_mask & b->stx_mask & STATX_MNT_ID) && a->stx_mnt_id != b->stx_mnt_id)
    return 0;
  return 1;
}

static int
statx_fd (int fd, struct statx *st)
{
  return statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO | STATX_MNT_ID, st);
}

/* Fails the running op: CALL on PATH in the guest root, with ERR; WHY says more, or is NULL. Reads
   as "mount(`/tmp` in the guest root `/vservers/g`: a symbolic link, never followed) failed: ..." */
static int
fail_in (const struct vl_ctx *ctx, int err, const char *call, const char *path, const char *why)
{
  return vl_failf (err, "%s(`%s` in the guest root `%s`%s%s)", call, path, ctx->root_path ? ctx->root_path : "?",
                   why ? ": " : "", why ? why : "");
}

/* Opens the parent of PATH in the root (O_PATH|O_DIRECTORY) and copies its last name to NAME.
   The root itself, "." and ".." as the last name are refused: the plan names what it creates. */
static int
open_parent (const struct vl_ctx *ctx, const char *call, const char *path, char *name, size_t size)
{
  char parent[4096];
  size_t len = strlen (path), start;
  int fd;

  while (len > 0 && path[len - 1] == '/')
    len--;
  start = len;
  while (start > 0 && path[start - 1] != '/')
    start--;
  if (len == start)
    return fail_in (ctx, EXDEV, call, path, "the guest root itself");
  if (len - start >= size || start >= sizeof parent)
    return fail_in (ctx, ENAMETOOLONG, call, path, NULL);
  memcpy (name, path + start, len - start);
  name[len - start] = '\0';
  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return fail_in (ctx, EINVAL, call, path, "the last name is `.` or `..`");
  memcpy (parent, path, start);
  parent[start] = '\0';
  fd = resolve (ctx, start == 0 ? "." : parent, O_PATH | O_DIRECTORY);
  if (fd < 0)
    return fail_in (ctx, errno, call, path, "its directory");
  return fd;
}

/* Opens PATH itself in the root as O_PATH, its last component not followed: a link there fails
   ELOOP, the root itself EXDEV. */
static int
open_in (const struct vl_ctx *ctx, const char *call, const char *path)
{
  struct statx st, root;
  int fd = resolve (ctx, path, O_PATH | O_NOFOLLOW);

  if (fd < 0)
    return fail_in (ctx, errno, call, path, NULL);
  if (statx_fd (fd, &st) < 0 || statx_fd (ctx->root_fd, &root) < 0)
    {
      int err = errno;
      close (fd);
      return fail_in (ctx, err, "statx", path, NULL);
    }
  if (S_ISLNK (st.stx_mode))
    {
      close (fd);
      return fail_in (ctx, ELOOP, call, path, "a symbolic link, never followed");
    }
  if (same_file (&st, &root))
    {
      close (fd);
      return fail_in (ctx, EXDEV, call, path, "the guest root itself");
    }
  return fd;
}

/* OPEN_ROOT path: open(path, O_PATH|O_DIRECTORY|O_CLOEXEC) as the root of the *_IN ops. The path
   is the admin's (the vdir), resolved on the host; it is opened after the vdir's bind onto itself,
   so the fd is on the mount that becomes the guest's root. */
int
op_open_root (struct vl_ctx *ctx, const struct vl_rec *r)
{
  int fd = open (r->f[0].s, O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return vl_fail ("open", r->f[0].s);
  if (ctx->root_fd >= 0)
    close (ctx->root_fd);
  ctx->root_fd = fd;
  ctx->root_path = r->f[0].s;
  return 0;
}

/* mkdirat(2) on an idmapped guest root (doc/userns.md): host root's own ids have no id on disk
   through that mount (EOVERFLOW), so a missing mount point (an fstab target) is made with the fs
   ids of the root directory's owner as the mount shows it, the guest root's host ids: the new
   directory is stored as the guest's root owns it, as a guest without a user namespace gets it.
   Changing the fsuid away from 0 drops the fs capabilities from the effective set, so the parent
   must be writable by that owner; changing it back raises them again (capabilities(7)). */
static int
mkdirat_as_root_owner (const struct vl_ctx *ctx, int dir, const char *name, mode_t mode)
{
  struct stat root;
  int ret, err;
  uid_t uid = (uid_t) setfsuid ((uid_t) -1);
  gid_t gid = (gid_t) setfsgid ((gid_t) -1);

  if (fstat (ctx->root_fd, &root) < 0)
    return -1;
  setfsgid (root.st_gid);
  setfsuid (root.st_uid);
  ret = mkdirat (dir, name, mode);
  err = errno;
  setfsuid (uid);
  setfsgid (gid);
  errno = err;
  return ret;
}

/* MKDIR_IN path mode: mkdirat(parent, name, mode); an existing directory is fine, a link is not */
int
op_mkdir_in (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[0].s;
  char name[256];
  struct stat st;
  int dir, ret = 0, made;

  dir = open_parent (ctx, "mkdir", path, name, sizeof name);
  if (dir < 0)
    return -1;
  made = mkdirat (dir, name, (mode_t) r->f[1].i);
  if (made < 0 && errno == EOVERFLOW)
    made = mkdirat_as_root_owner (ctx, dir, name, (mode_t) r->f[1].i);
  if (made < 0)
    {
      if (errno != EEXIST)
        ret = fail_in (ctx, errno, "mkdir", path, NULL);
      else if (fstatat (dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        ret = fail_in (ctx, errno, "mkdir", path, NULL);
      else if (S_ISLNK (st.st_mode))
        ret = fail_in (ctx, ELOOP, "mkdir", path, "a symbolic link, never followed");
      else if (!S_ISDIR (st.st_mode))
        ret = fail_in (ctx, EEXIST, "mkdir", path, NULL);
    }
  close (dir);
  return ret;
}

/* MKNOD_IN path mode dev: mknodat(parent, name, mode, dev) */
int
op_mknod_in (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[0].s;
  char name[256];
  int dir, ret = 0;

  dir = open_parent (ctx, "mknod", path, name, sizeof name);
  if (dir < 0)
    return -1;
  if (mknodat (dir, name, (mode_t) r->f[1].i, (dev_t) r->f[2].u) < 0)
    ret = fail_in (ctx, errno, "mknod", path, NULL);
  close (dir);
  return ret;
}

/* SYMLINK_IN target linkpath: symlinkat(target, parent, name); the same link already there is fine */
int
op_symlink_in (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *target = r->f[0].s, *path = r->f[1].s;
  size_t len = strlen (target);
  char name[256], buf[4096];
  int dir, ret = 0;
  ssize_t n;

  dir = open_parent (ctx, "symlink", path, name, sizeof name);
  if (dir < 0)
    return -1;
  if (symlinkat (target, dir, name) < 0)
    {
      if (errno != EEXIST)
        ret = fail_in (ctx, errno, "symlink", path, NULL);
      else
        {
          n = readlinkat (dir, name, buf, sizeof buf);
          if (n < 0 || (size_t) n != len || memcmp (buf, target, len) != 0)
            ret = fail_in (ctx, EEXIST, "symlink", path, NULL);
        }
    }
  close (dir);
  return ret;
}

/* mount(2) with the target (and the source, if SRC_FD >= 0) given as /proc/self/fd/N */
static int
mount_fds (const struct vl_ctx *ctx, const char *source, int src_fd, const char *path, int fd, const char *fstype,
           unsigned long flags, const char *data)
{
  char target[32], from[32];

  snprintf (target, sizeof target, "/proc/self/fd/%d", fd);
  if (src_fd >= 0)
    {
      snprintf (from, sizeof from, "/proc/self/fd/%d", src_fd);
      source = from;
    }
  if (mount (source, target, fstype, flags, data) < 0)
    return fail_in (ctx, errno, "mount", path, NULL);
  return 0;
}

/* MOUNT_IN source target fstype flags data: mount(2) on the target's fd; the source as given */
int
op_mount_in (struct vl_ctx *ctx, const struct vl_rec *r)
{
  int fd = open_in (ctx, "mount", r->f[1].s), ret;

  if (fd < 0)
    return -1;
  ret = mount_fds (ctx, r->f[0].s, -1, r->f[1].s, fd, r->f[2].s, (unsigned long) r->f[3].u, r->f[4].s);
  close (fd);
  return ret;
}

/* LXCFS_BIND view source target: source (a file or directory of the host's lxcfs) bound onto the
   target in the root, with what lies below it, if LXCFS left the view on. A source that does not
   answer now (the daemon died since) is a warning: the guest keeps the host's figure. */
int
op_lxcfs_bind (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *view = r->f[0].s, *source = r->f[1].s, *path = r->f[2].s;
  struct stat st;
  int fd, ret;

  if (!vl_lxcfs_view_on (ctx, view))
    return 0;
  if (stat (source, &st) < 0)
    {
      fprintf (stderr, "vserver: warning: %s: `%s`: %s: the guest sees the host's %s\n", view, source, strerror (errno), path);
      return 0;
    }
  fd = open_in (ctx, "mount", path);
  if (fd < 0)
    return -1;
  ret = mount_fds (ctx, source, -1, path, fd, NULL, MS_BIND | MS_REC, NULL);
  close (fd);
  if (ret < 0)
    return ret;
  /* read-only: lxcfs would take a write's open (and refuse the write itself) */
  fd = open_in (ctx, "mount", path);
  if (fd < 0)
    return -1;
  ret = mount_fds (ctx, NULL, -1, path, fd, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  close (fd);
  return ret;
}

/* BIND_IN source target flags: mount(source's fd, target's fd, NULL, flags, NULL), both in the
   root; a source that is the target (a bind onto itself) is resolved once */
int
op_bind_in (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *source = r->f[0].s, *path = r->f[1].s;
  int fd, src, ret;

  if (!(r->f[2].u & MS_BIND))
    return fail_in (ctx, EINVAL, "mount", path, "BIND_IN without MS_BIND");
  fd = open_in (ctx, "mount", path);
  if (fd < 0)
    return -1;
  src = strcmp (source, path) == 0 ? fd : open_in (ctx, "mount", source);
  if (src < 0)
    {
      close (fd);
      return -1;
    }
  ret = mount_fds (ctx, NULL, src, path, fd, NULL, (unsigned long) r->f[2].u, NULL);
  if (src != fd)
    close (src);
  close (fd);
  return ret;
}

/* BIND_IDMAP_IN source target fd flags: the idmapped copy of source (a host path, userns.c) moved
   onto the target's fd in the root */
int
op_bind_idmap_in (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[1].s;
  int fd, tree, ret = 0;

  fd = open_in (ctx, "move_mount", path);
  if (fd < 0)
    return -1;
  tree = vl_idmapped_tree (r->f[0].s, r->f[2].i, r->f[3].u);
  if (tree < 0)
    {
      close (fd);
      return -1;
    }
  if (move_mount (tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    ret = fail_in (ctx, errno, "move_mount", path, NULL);
  close (tree);
  close (fd);
  return ret;
}

/* CHOWN_IN path uid gid: fchownat on the resolved file itself (AT_EMPTY_PATH): what was checked
   not to be a link is what gets the owner, however the tree changes meanwhile */
int
op_chown_in (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[0].s;
  int fd = open_in (ctx, "chown", path), ret = 0;

  if (fd < 0)
    return -1;
  if (fchownat (fd, "", (uid_t) r->f[1].i, (gid_t) r->f[2].i, AT_EMPTY_PATH) < 0)
    ret = fail_in (ctx, errno, "chown", path, NULL);
  close (fd);
  return ret;
}

/* The root check of VERIFY_CWD: "/.." must be "/". After pivot_root(".", ".") the old root is
   stacked on the new one until the plan's umount2(".", MNT_DETACH) detaches it; if that umount
   took something else (a mount the guest's tree made land on the launcher's "/"), ".." of the
   root crosses into the mount on top and the host is reachable. The kernel's own walk says so:
   stat("/..") is not stat("/"). Also: the opened root of the *_IN ops, if any, is done with. */
int
vl_verify_root (struct vl_ctx *ctx)
{
  struct statx root, up;

  if (statx (AT_FDCWD, "/", 0, STATX_TYPE | STATX_INO | STATX_MNT_ID, &root) < 0)
    return vl_fail ("statx", "/");
  if (statx (AT_FDCWD, "/..", 0, STATX_TYPE | STATX_INO | STATX_MNT_ID, &up) < 0)
    return vl_fail ("statx", "/..");
  if (!same_file (&root, &up))
    return vl_failf (EXDEV, "stat(`/..`) is not stat(`/`): a mount is stacked on the root (mount %llu above %llu)",
                     (unsigned long long) up.stx_mnt_id, (unsigned long long) root.stx_mnt_id);
  if (ctx->root_fd >= 0)
    {
      close (ctx->root_fd);
      ctx->root_fd = -1;
      ctx->root_path = NULL;
    }
  return 0;
}
