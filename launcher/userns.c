/* userns.c: the ops of user-namespaced guests (doc/userns.md): USERNS_CREATE (a holder process
 * that owns a new user namespace and the namespaces that must belong to it), SETNS_FD (join one
 * of them through its fd) and MOUNT_IDMAP (a tree mounted with the guest's id mapping).
 *
 *   launcher (host root)                     holder (forked, runs nothing of the plan)
 *                                            unshare(CLONE_NEWUSER)
 *                                  <--       its errno (0)
 *   write /proc/H/uid_map, gid_map
 *                                  -->       go
 *                                            unshare(nstypes): owned by the new userns
 *                                  <--       its errno (0)
 *   open /proc/H/ns/user, ns/net...; kill(H, SIGKILL); waitpid(H)
 *
 * The maps are written by host root from outside: the holder never has a say in its own mapping,
 * and the guest later finds /proc/self/uid_map already written (it can be written once).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <grp.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"

/* The namespaces a holder may unshare after its user namespace, in CLONE_NEW* bit order: the
   order of the fds after the user namespace's (org.vserver.plan.Step.UsernsCreate.fdOf). For pid
   and time the holder itself stays where it was; its children's namespace is the new one. */
static const struct
{
  uint64_t flag;
  const char *proc; /* under /proc/H/ns/ */
} vl_holder_ns[] = {
  { CLONE_NEWTIME, "time_for_children" },
  { CLONE_NEWNS, "mnt" },
  { CLONE_NEWCGROUP, "cgroup" },
  { CLONE_NEWUTS, "uts" },
  { CLONE_NEWIPC, "ipc" },
  { CLONE_NEWPID, "pid_for_children" },
  { CLONE_NEWNET, "net" },
};
#define VL_HOLDER_NS (sizeof vl_holder_ns / sizeof vl_holder_ns[0])

/* Reads or writes all of an int on a pipe; 0, or -1 (EOF: EPIPE). */
static int
pipe_int (int fd, int *v, int out)
{
  ssize_t n;

  do
    n = out ? write (fd, v, sizeof *v) : read (fd, v, sizeof *v);
  while (n < 0 && errno == EINTR);
  if (n == (ssize_t) sizeof *v)
    return 0;
  if (n >= 0)
    errno = EPIPE;
  return -1;
}

#define VL_USERNS_MAX "/proc/sys/user/max_user_namespaces"

/* Writes N to the calling process's user namespace's user.max_user_namespaces (sysctls under
   /proc/sys/user are per user namespace: the opener's). */
static int
write_limit (int n)
{
  char text[16];
  int fd, len = snprintf (text, sizeof text, "%d\n", n);
  ssize_t w;

  fd = open (VL_USERNS_MAX, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  w = write (fd, text, (size_t) len);
  if (w != len)
    {
      int err = w < 0 ? errno : EIO;
      close (fd);
      errno = err;
      return -1;
    }
  return close (fd);
}

/* The host id a map gives the namespace's id 0 ("0 HOSTFIRST COUNT" on its first line), or -1 */
static long long
host_id_of_root (const char *map)
{
  unsigned long long inside, host, count;

  if (sscanf (map, "%llu %llu %llu", &inside, &host, &count) != 3 || inside != 0 || host > UINT32_MAX - 1)
    return -1;
  return (long long) host;
}

/* The holder: become the guest root's host ids, unshare(CLONE_NEWUSER), report; wait for the
   maps; unshare(NSTYPES), report; wait to be killed. It dies with the launcher
   (PR_SET_PDEATHSIG, armed again after the id change, which clears it), so it never outlives the op.

   Why the guest's ids and not root's: the kernel charges the per-uid counters of a user namespace
   (inotify instances and watches, mqueue bytes, queued signals...) to every ancestor level too, at
   the uid that created the namespace. Created by host root, every guest's root would spend host
   uid 0's fs.inotify.max_user_instances (probed: a guest holding its 128 left the host's root and
   the other guests none). Created by the range's first uid, each guest spends its own. The owner
   uid also holds every capability in the namespace: it is the guest root's own host uid, which no
   host process has. SECBIT_NO_SETUID_FIXUP keeps the holder's capabilities across the id change,
   so hosts that refuse unprivileged user namespaces still let it unshare (best effort: without
   CAP_SETPCAP the id change drops them and an unprivileged unshare must do). */
static void __attribute__ ((noreturn))
holder (pid_t parent, int in, int out, uint64_t nstypes, long long uid, long long gid, int userns_max)
{
  int err = 0, go;

  if (uid >= 0 && gid >= 0)
    {
      (void) prctl (PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0);
      if (setgroups (0, NULL) < 0 || setresgid ((gid_t) gid, (gid_t) gid, (gid_t) gid) < 0
          || setresuid ((uid_t) uid, (uid_t) uid, (uid_t) uid) < 0)
        err = errno;
    }
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid () != parent)
    _exit (1);
  if (!err && unshare (CLONE_NEWUSER) < 0)
    err = errno;
  if (pipe_int (out, &err, 1) < 0 || err || pipe_int (in, &go, 0) < 0)
    _exit (1);
  /* mapped now, root of the new namespace with all its capabilities: its own limit, which only
     CAP_SYS_RESOURCE there can raise again (reported as -errno, apart from unshare's) */
  if (userns_max >= 0 && write_limit (userns_max) < 0)
    err = -errno;
  if (!err && nstypes && unshare ((int) nstypes) < 0)
    err = errno;
  if (pipe_int (out, &err, 1) < 0 || err)
    _exit (1);
  pipe_int (in, &go, 0); /* EOF or SIGKILL: the launcher has its fds */
  _exit (0);
}

/* Writes TEXT to /proc/PID/NAME in one write(2), as the kernel wants a map. */
static int
write_map (pid_t pid, const char *name, const char *text)
{
  size_t len = strlen (text);
  char path[64];
  ssize_t n;
  int fd;

  snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, name);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return vl_fail ("open", path);
  n = len == 0 ? (errno = EINVAL, -1) : write (fd, text, len); /* an empty map would leave all unmapped */
  if (n < 0 || (size_t) n != len)
    {
      int err = n < 0 ? errno : EIO;
      close (fd);
      return vl_fail_errno ("write", path, err);
    }
  close (fd);
  return 0;
}

/* Opens /proc/PID/ns/NAME on an fd >= LOW (out of the way of the fds the op will place). */
static int
open_ns (pid_t pid, const char *name, int low)
{
  char path[64];
  int fd, high;

  snprintf (path, sizeof path, "/proc/%d/ns/%s", (int) pid, name);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return vl_fail ("open", path);
  high = fcntl (fd, F_DUPFD_CLOEXEC, low);
  if (high < 0)
    vl_fail ("fcntl(F_DUPFD_CLOEXEC)", path);
  close (fd);
  return high;
}

/* The holder's part, seen from the launcher: its namespaces opened into TMP (user first, then
   those of NSTYPES in vl_holder_ns order); returns how many, or -1. */
static int
run_holder (pid_t pid, int to, int from, const struct vl_rec *r, int *tmp, int low)
{
  uint64_t nstypes = r->f[3].u;
  int err, go = 1, n = 0;
  size_t i;

  if (pipe_int (from, &err, 0) < 0)
    return vl_failf (errno, "unshare(CLONE_NEWUSER) in the holder (pid %d): it died", (int) pid);
  if (err)
    return vl_failf (err, "setresuid(%s) and unshare(CLONE_NEWUSER) in the holder (pid %d)", r->f[1].s, (int) pid);
  if (write_map (pid, "uid_map", r->f[1].s) < 0 || write_map (pid, "gid_map", r->f[2].s) < 0)
    return -1;
  if (pipe_int (to, &go, 1) < 0 || pipe_int (from, &err, 0) < 0)
    return vl_failf (errno, "unshare(0x%llx) in the holder (pid %d): it died", (unsigned long long) nstypes, (int) pid);
  if (err < 0)
    return vl_failf (-err, "write(`" VL_USERNS_MAX "`, %d) in the holder (pid %d)", (int) r->f[4].i, (int) pid);
  if (err)
    return vl_failf (err, "unshare(0x%llx) in the holder (pid %d)", (unsigned long long) nstypes, (int) pid);
  tmp[n] = open_ns (pid, "user", low);
  if (tmp[n] < 0)
    return -1;
  for (n++, i = 0; i < VL_HOLDER_NS; i++)
    if (nstypes & vl_holder_ns[i].flag)
      {
        tmp[n] = open_ns (pid, vl_holder_ns[i].proc, low);
        if (tmp[n] < 0)
          {
            while (n > 0)
              close (tmp[--n]);
            return -1;
          }
        n++;
      }
  return n;
}

/* USERNS_CREATE fd uidmap gidmap nstypes usernsmax: a holder's user namespace at fd (holding at
   most usernsmax user namespaces of its own, -1: the kernel's default), its other namespaces
   at fd+1... (close-on-exec: they survive CLONE, which forks, and never reach the guest's exec) */
int
op_userns_create (struct vl_ctx *ctx, const struct vl_rec *r)
{
  int fd = r->f[0].i, tmp[1 + VL_HOLDER_NS], to[2], from[2], n, i;
  uint64_t nstypes = r->f[3].u, known = 0;
  long long uid, gid;
  pid_t pid, self = getpid ();
  size_t k;

  for (k = 0; k < VL_HOLDER_NS; k++)
    known |= vl_holder_ns[k].flag;
  if (nstypes & ~known)
    return vl_failf (EINVAL, "unshare(0x%llx) in the holder: only new namespaces other than the user namespace",
                     (unsigned long long) nstypes);
  /* a map that does not start so is the kernel's to refuse, as it was given (write_map) */
  uid = host_id_of_root (r->f[1].s);
  gid = host_id_of_root (r->f[2].s);
  n = 1 + __builtin_popcountll (nstypes);
  if (fd <= VL_STATUS_FD || fd > 1 << 20)
    return vl_failf (EINVAL, "dup3(%d): the plan's fds are %d..%d", fd, VL_STATUS_FD + 1, 1 << 20);
  for (i = fd; i < fd + n; i++)
    if (i == ctx->root_fd || i == ctx->exec_gate)
      return vl_failf (EBUSY, "dup3(%d): the launcher holds that fd (%s)", i, i == ctx->root_fd ? "OPEN_ROOT" : "CLONE");
  if (pipe2 (to, O_CLOEXEC) < 0)
    return vl_fail ("pipe2", NULL);
  if (pipe2 (from, O_CLOEXEC) < 0)
    {
      int err = errno;
      close (to[0]);
      close (to[1]);
      return vl_fail_errno ("pipe2", NULL, err);
    }
  pid = fork ();
  if (pid == 0)
    {
      close (to[1]);
      close (from[0]);
      holder (self, to[0], from[1], nstypes, uid, gid, r->f[4].i);
    }
  close (to[0]);
  close (from[1]);
  if (pid < 0)
    {
      int err = errno;
      close (to[1]);
      close (from[0]);
      return vl_fail_errno ("fork", "the user namespace's holder", err);
    }
  n = run_holder (pid, to[1], from[0], r, tmp, fd + n);
  /* whatever happened: the holder goes now; its namespaces live on in the fds */
  kill (pid, SIGKILL);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  close (to[1]);
  close (from[0]);
  for (i = 0; i < n; i++)
    if (dup3 (tmp[i], fd + i, O_CLOEXEC) < 0)
      {
        int err = errno, bad = fd + i;
        while (i > 0)
          close (fd + --i);
        for (i = 0; i < n; i++)
          close (tmp[i]);
        return vl_failf (err, "dup3(%d)", bad);
      }
  for (i = 0; i < n; i++)
    close (tmp[i]);
  return n < 0 ? -1 : 0;
}

/* SETNS_FD fd nstype: setns(fd, nstype), then close(fd) */
int
op_setns_fd (struct vl_ctx *ctx, const struct vl_rec *r)
{
  int fd = r->f[0].i, ret = 0;

  (void) ctx;
  if (r->f[1].u > INT32_MAX)
    ret = vl_failf (EINVAL, "setns(%d, 0x%llx)", fd, (unsigned long long) r->f[1].u);
  else if (setns (fd, (int) r->f[1].u) < 0)
    ret = vl_failf (errno, "setns(%d, 0x%llx)", fd, (unsigned long long) r->f[1].u);
  close (fd);
  return ret;
}

/* mount(2) flags as mount_setattr(2) attributes, or -1 for a flag that has none */
static int
mount_attrs (uint64_t flags, struct mount_attr *attr)
{
  static const struct
  {
    uint64_t ms, attr;
  } map[] = {
    { MS_RDONLY, MOUNT_ATTR_RDONLY },     { MS_NOSUID, MOUNT_ATTR_NOSUID },
    { MS_NODEV, MOUNT_ATTR_NODEV },       { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
    { MS_NOATIME, MOUNT_ATTR_NOATIME },   { MS_STRICTATIME, MOUNT_ATTR_STRICTATIME },
    { MS_RELATIME, MOUNT_ATTR_RELATIME }, { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
    { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
  };
  uint64_t rest = flags;
  size_t i;

  for (i = 0; i < sizeof map / sizeof map[0]; i++)
    if (flags & map[i].ms)
      {
        attr->attr_set |= map[i].attr;
        rest &= ~map[i].ms;
      }
  /* the atime mode is one value in a field: setting one clears the field first */
  if (flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME))
    attr->attr_clr |= MOUNT_ATTR__ATIME;
  return rest ? -1 : 0;
}

int
vl_idmapped_tree (const char *source, int userns_fd, uint64_t flags)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns_fd };
  int tree;

  if (mount_attrs (flags, &attr) < 0)
    return vl_failf (EINVAL, "mount_setattr(`%s`): mount flags 0x%llx: only RDONLY, NOSUID, NODEV, NOEXEC, "
                     "NOSYMFOLLOW and the atime flags have a MOUNT_ATTR_*", source, (unsigned long long) flags);
  tree = open_tree (AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (tree < 0)
    return vl_fail ("open_tree", source);
  if (mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    {
      int err = errno;
      close (tree);
      return vl_fail_errno ("mount_setattr", source, err);
    }
  return tree;
}

/* MOUNT_IDMAP source target fd flags: the idmapped copy of source moved onto target; a last link
   of target is followed, as mount(2) follows it (both are the admin's host paths) */
int
op_mount_idmap (struct vl_ctx *ctx, const struct vl_rec *r)
{
  int tree = vl_idmapped_tree (r->f[0].s, r->f[2].i, r->f[3].u), ret = 0;

  (void) ctx;
  if (tree < 0)
    return -1;
  if (move_mount (tree, "", AT_FDCWD, r->f[1].s, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) < 0)
    ret = vl_fail ("move_mount", r->f[1].s);
  close (tree);
  return ret;
}
