/* ops.c: one function per op, each the syscall its record names (protocol.h), in the order the
 * plan gives. An op returns 0, or -1 after vl_fail*() recorded which call failed on which path
 * with which errno. The ops on processes (CLONE, AWAIT, VERIFY_PROC) are in proc.c, PTY_RELAY in
 * relay.c, REAPER in reaper.c, MOUNT_LOOP in loop.c.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher.h"

/* close_range(lo, hi, 0), or closing what /proc/self/fd lists where the kernel lacks it */
static int
close_fds (unsigned lo, unsigned hi)
{
  struct dirent *de;
  DIR *dir;

  if (syscall (SYS_close_range, lo, hi, 0) == 0)
    return 0;
  if (errno != ENOSYS)
    return vl_failf (errno, "close_range(%u, %u, 0)", lo, hi);
  dir = opendir ("/proc/self/fd");
  if (dir == NULL)
    return vl_fail ("opendir", "/proc/self/fd");
  while ((de = readdir (dir)) != NULL)
    {
      long fd = strtol (de->d_name, NULL, 10);
      if (de->d_name[0] != '.' && fd >= (long) lo && fd <= (long) hi && fd != dirfd (dir))
        close (fd);
    }
  closedir (dir);
  return 0;
}

/* CLOSE_FROM fd: close_range(fd, ~0U, 0); the channels (fds 3, 4) stay open in channel mode */
int
op_close_from (struct vl_ctx *ctx, const struct vl_rec *r)
{
  unsigned fd = r->f[0].i;

  if (r->f[0].i < 0)
    return vl_failf (EBADF, "close_range(%d, ~0U, 0)", r->f[0].i);
  if (ctx->mode == VL_MODE_CHANNEL && fd <= VL_STATUS_FD)
    {
      if (fd < VL_PLAN_FD && close_fds (fd, VL_PLAN_FD - 1) < 0)
        return -1;
      fd = VL_STATUS_FD + 1;
    }
  return close_fds (fd, ~0U);
}

/* UNSHARE flags: unshare(flags) */
int
op_unshare (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  if (r->f[0].u > INT32_MAX)
    return vl_failf (EINVAL, "unshare(0x%llx)", (unsigned long long) r->f[0].u);
  if (unshare ((int) r->f[0].u) < 0)
    return vl_failf (errno, "unshare(0x%llx)", (unsigned long long) r->f[0].u);
  return 0;
}

/* SETNS path nstype: setns(open(path), nstype) */
int
op_setns (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[0].s;
  int fd, ret;

  (void) ctx;
  if (r->f[1].u > INT32_MAX)
    return vl_fail_errno ("setns", path, EINVAL);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return vl_fail ("open", path);
  ret = setns (fd, (int) r->f[1].u);
  if (ret < 0)
    vl_fail ("setns", path);
  close (fd);
  return ret;
}

/* SET_HOSTNAME name: sethostname(2) */
int
op_set_hostname (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  if (sethostname (r->f[0].s, strlen (r->f[0].s)) < 0)
    return vl_fail ("sethostname", r->f[0].s);
  return 0;
}

/* SET_DOMAINNAME name: setdomainname(2) */
int
op_set_domainname (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  if (setdomainname (r->f[0].s, strlen (r->f[0].s)) < 0)
    return vl_fail ("setdomainname", r->f[0].s);
  return 0;
}

/* MKDIR path mode: mkdir(path, mode); an existing directory is fine */
int
op_mkdir (struct vl_ctx *ctx, const struct vl_rec *r)
{
  struct stat st;

  (void) ctx;
  if (mkdir (r->f[0].s, (mode_t) r->f[1].i) == 0)
    return 0;
  if (errno != EEXIST)
    return vl_fail ("mkdir", r->f[0].s);
  if (stat (r->f[0].s, &st) == 0 && S_ISDIR (st.st_mode))
    return 0;
  return vl_fail_errno ("mkdir", r->f[0].s, EEXIST);
}

/* MKNOD path mode dev: mknod(path, mode, dev), dev as glibc's makedev() builds it */
int
op_mknod (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  if (mknod (r->f[0].s, (mode_t) r->f[1].i, (dev_t) r->f[2].u) < 0)
    return vl_fail ("mknod", r->f[0].s);
  return 0;
}

/* SYMLINK target linkpath: symlink(target, linkpath); the same link already there is fine */
int
op_symlink (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *target = r->f[0].s, *link = r->f[1].s;
  size_t len = strlen (target);
  char buf[4096];
  ssize_t n;

  (void) ctx;
  if (symlink (target, link) == 0)
    return 0;
  if (errno != EEXIST)
    return vl_fail ("symlink", link);
  n = readlink (link, buf, sizeof buf);
  if (n >= 0 && (size_t) n == len && memcmp (buf, target, len) == 0)
    return 0;
  return vl_fail_errno ("symlink", link, EEXIST);
}

/* MOUNT source target fstype flags data: mount(2), NULLs passed through */
int
op_mount (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  if (mount (r->f[0].s, r->f[1].s, r->f[2].s, (unsigned long) r->f[3].u, r->f[4].s) < 0)
    return vl_fail ("mount", r->f[1].s);
  return 0;
}

/* UMOUNT target flags: umount2(target, flags) */
int
op_umount (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  if (umount2 (r->f[0].s, r->f[1].i) < 0)
    return vl_fail ("umount2", r->f[0].s);
  return 0;
}

/* PIVOT_ROOT newroot: chdir(newroot); pivot_root(".", ".") stacks the old root under the new */
int
op_pivot_root (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  if (chdir (r->f[0].s) < 0)
    return vl_fail ("chdir", r->f[0].s);
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return vl_fail ("pivot_root", r->f[0].s);
  return 0;
}

/* CHDIR path: chdir(path) */
int
op_chdir (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  if (chdir (r->f[0].s) < 0)
    return vl_fail ("chdir", r->f[0].s);
  return 0;
}

/* VERIFY_CWD path: the working directory must be reachable from the root and be PATH, and the
 * root must be a root ("/.." is "/", root.c). A cwd
 * inherited from outside (a host directory, a leaked directory fd: runc's CVE-2024-21626) makes the
 * kernel's getcwd(2) answer "(unreachable)/..."; glibc would hide that behind ENOENT, so the raw
 * syscall is asked. "." and PATH are compared by device and inode, so a home reached through a
 * symlink still passes. */
int
op_verify_cwd (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[0].s;
  struct stat dot, want;
  char cwd[4096];
  long n;

  (void) ctx;
  n = syscall (SYS_getcwd, cwd, sizeof cwd);
  if (n < 0)
    return vl_fail ("getcwd", path);
  if (cwd[0] != '/')
    return vl_failf (EXDEV, "getcwd() is `%.4000s`, outside the root, not `%s`", cwd, path);
  if (stat (".", &dot) < 0)
    return vl_fail ("stat", ".");
  if (stat (path, &want) < 0)
    return vl_fail ("stat", path);
  if (dot.st_dev != want.st_dev || dot.st_ino != want.st_ino)
    return vl_failf (EXDEV, "getcwd() is `%.4000s`, not `%s`", cwd, path);
  return vl_verify_root (ctx);
}

/* A soft and a hard limit as the plan gives them: ~0 is RLIM_INFINITY */
static struct rlimit
rlimit_of (uint64_t soft, uint64_t hard)
{
  struct rlimit rl = {
    .rlim_cur = soft == UINT64_MAX ? RLIM_INFINITY : (rlim_t) soft,
    .rlim_max = hard == UINT64_MAX ? RLIM_INFINITY : (rlim_t) hard,
  };
  return rl;
}

/* SET_RLIMIT resource soft hard: setrlimit(resource, {soft, hard}), all ones = RLIM_INFINITY */
int
op_set_rlimit (struct vl_ctx *ctx, const struct vl_rec *r)
{
  struct rlimit rl = rlimit_of (r->f[1].u, r->f[2].u);

  (void) ctx;
  if (setrlimit ((__rlimit_resource_t) r->f[0].i, &rl) < 0)
    return vl_failf (errno, "setrlimit(%d)", r->f[0].i);
  return 0;
}

/* PRLIMIT pid resource soft hard: prlimit of another process; one that exited meanwhile is no error */
int
op_prlimit (struct vl_ctx *ctx, const struct vl_rec *r)
{
  struct rlimit rl = rlimit_of (r->f[2].u, r->f[3].u);

  (void) ctx;
  if (prlimit ((pid_t) r->f[0].i, (__rlimit_resource_t) r->f[1].i, &rl, NULL) < 0 && errno != ESRCH)
    return vl_failf (errno, "prlimit(%d, %d)", r->f[0].i, r->f[1].i);
  return 0;
}

/* SET_PRIORITY nice: setpriority(PRIO_PROCESS, 0, nice) */
int
op_set_priority (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  if (setpriority (PRIO_PROCESS, 0, r->f[0].i) < 0)
    return vl_failf (errno, "setpriority(PRIO_PROCESS, 0, %d)", r->f[0].i);
  return 0;
}

/* SET_IOPRIO class data: ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(class, data)).
 * glibc has no wrapper, and <linux/ioprio.h> is missing on older headers: the three constants are
 * the kernel ABI, spelled out here. */
#define VL_IOPRIO_WHO_PROCESS 1
#define VL_IOPRIO_CLASS_SHIFT 13
int
op_set_ioprio (struct vl_ctx *ctx, const struct vl_rec *r)
{
  int value = (r->f[0].i << VL_IOPRIO_CLASS_SHIFT) | r->f[1].i;

  (void) ctx;
  /* The kernel masks the fields, so an out-of-range class would silently become another one. */
  if (r->f[0].i < 0 || r->f[0].i > 7 || r->f[1].i < 0 || r->f[1].i >= 1 << VL_IOPRIO_CLASS_SHIFT)
    return vl_failf (EINVAL, "ioprio_set(IOPRIO_WHO_PROCESS, 0, class %d, data %d)", r->f[0].i, r->f[1].i);
  if (syscall (SYS_ioprio_set, VL_IOPRIO_WHO_PROCESS, 0, value) < 0)
    return vl_failf (errno, "ioprio_set(IOPRIO_WHO_PROCESS, 0, class %d, data %d)", r->f[0].i, r->f[1].i);
  return 0;
}

/* SET_UMASK: umask(mask); never fails */
int
op_set_umask (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  umask ((mode_t) r->f[0].i);
  return 0;
}

/* SETSID: setsid() */
int
op_setsid (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx, (void) r;
  if (setsid () < 0)
    return vl_fail ("setsid", NULL);
  return 0;
}

/* SET_IDS uid gid groups: setgroups(groups); setresgid(gid x3); setresuid(uid x3) */
int
op_set_ids (struct vl_ctx *ctx, const struct vl_rec *r)
{
  uid_t uid = (uid_t) r->f[0].i;
  gid_t gid = (gid_t) r->f[1].i;

  (void) ctx;
  _Static_assert (sizeof (gid_t) == sizeof (int32_t), "gid_t is 32 bits");
  if (setgroups (r->f[2].ints.n, (const gid_t *) r->f[2].ints.p) < 0)
    return vl_failf (errno, "setgroups(%u)", r->f[2].ints.n);
  if (setresgid (gid, gid, gid) < 0)
    return vl_failf (errno, "setresgid(%u)", gid);
  if (setresuid (uid, uid, uid) < 0)
    return vl_failf (errno, "setresuid(%u)", uid);
  return 0;
}

struct vl_cap_header
{
  uint32_t version;
  int pid;
};

struct vl_cap_data
{
  uint32_t effective, permitted, inheritable;
};

/* SET_CAPS bounding effective permitted inheritable ambient: PR_CAPBSET_DROP every cap the
   kernel knows that is not in bounding; clear ambient; capset(v3); raise each ambient cap */
int
op_set_caps (struct vl_ctx *ctx, const struct vl_rec *r)
{
  uint64_t bnd = r->f[0].u, eff = r->f[1].u, prm = r->f[2].u, inh = r->f[3].u, amb = r->f[4].u;
  struct vl_cap_header hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct vl_cap_data data[2] = {
    { (uint32_t) eff, (uint32_t) prm, (uint32_t) inh },
    { (uint32_t) (eff >> 32), (uint32_t) (prm >> 32), (uint32_t) (inh >> 32) },
  };
  int cap, has;

  (void) ctx;
  for (cap = 0;; cap++) /* up to the kernel's CAP_LAST_CAP: PR_CAPBSET_READ says EINVAL after */
    {
      has = prctl (PR_CAPBSET_READ, cap, 0, 0, 0);
      if (has < 0 && errno == EINVAL)
        break;
      if (has < 0)
        return vl_failf (errno, "prctl(PR_CAPBSET_READ, %d)", cap);
      if (has && (cap >= 64 || !(bnd & (UINT64_C (1) << cap)))
          && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        return vl_failf (errno, "prctl(PR_CAPBSET_DROP, %d)", cap);
    }
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    return vl_fail ("prctl(PR_CAP_AMBIENT_CLEAR_ALL)", NULL);
  if (syscall (SYS_capset, &hdr, data) < 0)
    return vl_failf (errno, "capset(eff 0x%llx, prm 0x%llx, inh 0x%llx)", (unsigned long long) eff,
                     (unsigned long long) prm, (unsigned long long) inh);
  for (cap = 0; cap < 64; cap++)
    if ((amb & (UINT64_C (1) << cap)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      return vl_failf (errno, "prctl(PR_CAP_AMBIENT_RAISE, %d)", cap);
  return 0;
}

/* NO_NEW_PRIVS: prctl(PR_SET_NO_NEW_PRIVS, 1) */
int
op_no_new_privs (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx, (void) r;
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return vl_fail ("prctl(PR_SET_NO_NEW_PRIVS)", NULL);
  return 0;
}

/* execve(file), or like execvpe(3) with the PATH of ENVP when FILE has no '/'. Returns -1. */
static int
exec_search (const char *file, char *const argv[], char *const envp[])
{
  const char *path = "/usr/sbin:/usr/bin:/sbin:/bin", *p, *end;
  char buf[4096];
  int eacces = 0, i;

  if (strchr (file, '/'))
    {
      execve (file, argv, envp);
      return vl_fail ("execve", file);
    }
  if (*file == '\0')
    return vl_fail_errno ("execve", file, ENOENT);
  for (i = 0; envp[i]; i++)
    if (strncmp (envp[i], "PATH=", 5) == 0)
      {
        path = envp[i] + 5;
        break;
      }
  for (p = path;; p = end + 1)
    {
      int len;

      end = strchrnul (p, ':');
      if (end == p) /* an empty entry is the current directory */
        len = snprintf (buf, sizeof buf, "./%s", file);
      else
        len = snprintf (buf, sizeof buf, "%.*s/%s", (int) (end - p), p, file);
      if (len > 0 && (size_t) len < sizeof buf)
        {
          execve (buf, argv, envp);
          switch (errno)
            {
            case EACCES:
              eacces = 1;
              break;
            case ENOENT:
            case ENOTDIR:
            case ESTALE:
            case ENODEV:
            case ETIMEDOUT:
              break;
            default:
              return vl_fail ("execve", buf);
            }
        }
      if (*end == '\0')
        break;
    }
  return vl_fail_errno ("execve", file, eacces ? EACCES : ENOENT);
}

/* EXEC path argv envp: execve, searching envp's PATH for a path without '/' */
int
op_exec (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  return exec_search (r->f[0].s, r->f[1].v.p, r->f[2].v.p);
}

/* EXEC_ARGV envp: replay only: exec the command line's CMD ARGS with envp */
int
op_exec_argv (struct vl_ctx *ctx, const struct vl_rec *r)
{
  if (ctx->mode != VL_MODE_REPLAY || ctx->cmd == NULL || ctx->cmd[0] == NULL)
    return vl_failf (EINVAL, "execve(CMD): EXEC_ARGV needs --replay's command line");
  return exec_search (ctx->cmd[0], ctx->cmd, r->f[0].v.p);
}

/* Writes all of s to fd; the message names `what` (a path, or "fd N"). */
static int
write_all (int fd, const char *s, const char *what)
{
  size_t len = strlen (s), done = 0;

  while (done < len)
    {
      ssize_t n = write (fd, s + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return vl_fail_errno ("write", what, n < 0 ? errno : EIO);
      done += n;
    }
  return 0;
}

/* WRITE_FILE path content: open(path, O_WRONLY), write everything, close */
int
op_write_file (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[0].s;
  int fd;

  (void) ctx;
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return vl_fail ("open", path);
  if (write_all (fd, r->f[1].s, path) < 0)
    {
      close (fd);
      return -1;
    }
  if (close (fd) < 0)
    return vl_fail ("close", path);
  return 0;
}

/* OPEN_FD path fd: open(path, O_WRONLY|O_CLOEXEC), then dup3 to fd. A joining process opens the
 * guest's cgroup.procs files this way before it enters the guest's mount namespace, and writes
 * them (WRITE_FD) only after its fork: a guest at its pids.max refuses forks, not migrations. */
int
op_open_fd (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[0].s;
  int want = r->f[1].i, fd;

  (void) ctx;
  if (want <= VL_STATUS_FD)
    return vl_failf (EINVAL, "open(`%s`) to fd %d: fds up to %d are the launcher's", path, want, VL_STATUS_FD);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return vl_fail ("open", path);
  if (fd != want)
    {
      if (dup3 (fd, want, O_CLOEXEC) < 0)
        {
          int err = errno;
          close (fd);
          return vl_fail_errno ("dup3", path, err);
        }
      close (fd);
    }
  return 0;
}

/* WRITE_FD fd content: write(fd, content), close(fd) */
int
op_write_fd (struct vl_ctx *ctx, const struct vl_rec *r)
{
  char what[32];
  int fd = r->f[0].i;

  (void) ctx;
  snprintf (what, sizeof what, "fd %d", fd);
  if (write_all (fd, r->f[1].s, what) < 0)
    {
      close (fd);
      return -1;
    }
  if (close (fd) < 0)
    return vl_fail ("close", what);
  return 0;
}

/* OPEN_STDIO path: open(path, O_WRONLY|O_APPEND|O_NOCTTY|O_NOFOLLOW), dup2 to fds 1 and 2. The
 * start plan opens the guest's /dev/console this way after pivot_root: the init writes into a file
 * of the guest's own /dev tmpfs, whose size is the console's cap, so a flood fails with ENOSPC
 * inside the guest instead of filling a host file. O_APPEND: every writer (the init, a daemon that
 * opens /dev/console itself) appends, and a truncation makes room again. Only a regular file or a
 * character device is taken; O_NONBLOCK keeps a FIFO from blocking the open (ENXIO). */
int
op_open_stdio (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[0].s;
  struct stat st;
  int fd, err = 0;

  (void) ctx;
  fd = open (path, O_WRONLY | O_APPEND | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return vl_fail ("open", path);
  if (fstat (fd, &st) < 0)
    err = vl_fail ("fstat", path);
  else if (!S_ISREG (st.st_mode) && !S_ISCHR (st.st_mode))
    err = vl_failf (EINVAL, "open(`%s`): not a regular file or a character device", path);
  else if (fcntl (fd, F_SETFL, O_APPEND) < 0) /* O_NONBLOCK was for the open only */
    err = vl_fail ("fcntl(F_SETFL)", path);
  else if (dup2 (fd, 1) < 0 || dup2 (fd, 2) < 0)
    err = vl_fail ("dup2", path);
  if (fd > 2)
    close (fd);
  return err;
}

/* CHOWN path uid gid: lchown(path, uid, gid); -1 keeps an id */
int
op_chown (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  if (lchown (r->f[0].s, (uid_t) r->f[1].i, (gid_t) r->f[2].i) < 0)
    return vl_fail ("lchown", r->f[0].s);
  return 0;
}

/* IF_UP dev: SIOCSIFFLAGS |= IFF_UP in this network namespace (a new one's loopback, which the
   kernel creates down). */
int
op_if_up (struct vl_ctx *ctx, const struct vl_rec *r)
{
  struct ifreq ifr;
  int fd;

  (void) ctx;
  if (strlen (r->f[0].s) >= IFNAMSIZ)
    return vl_fail_errno ("ioctl(SIOCGIFFLAGS)", r->f[0].s, ENAMETOOLONG);
  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return vl_fail ("socket(AF_INET)", NULL);
  memset (&ifr, 0, sizeof ifr);
  strcpy (ifr.ifr_name, r->f[0].s);
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    {
      int err = errno;
      close (fd);
      return vl_fail_errno ("ioctl(SIOCGIFFLAGS)", r->f[0].s, err);
    }
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
    {
      int err = errno;
      close (fd);
      return vl_fail_errno ("ioctl(SIOCSIFFLAGS)", r->f[0].s, err);
    }
  close (fd);
  return 0;
}
