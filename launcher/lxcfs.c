/* lxcfs.c: LXCFS, the FUSE file system whose files (proc/meminfo, proc/cpuinfo, ...) answer with
 * the reading process's cgroup limits: VServer's virt_mem, virt_cpu and virt_load (README,
 * "Views"). One lxcfs serves every guest of the host. A start makes sure it runs, and starts it if
 * not; LXCFS_BIND binds its files over the guest's /proc and /sys; the guest's monitor drops those
 * mounts if lxcfs dies, so the guest reads the host's figures instead of failing (monitor.c).
 * A view that cannot be served is a warning, never a failed start: the figures are a courtesy, not
 * isolation.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

/* how long a new lxcfs may take to mount (it forks nothing; usually 50-150 ms) */
#define LXCFS_READY_MS 5000

static void
warn_views (const struct vl_ctx *ctx, const char *dir, const char *why)
{
  (void) ctx;
  fprintf (stderr, "vserver: warning: lxcfs at %s: %s: the guest sees the host's memory, CPU and load figures"
                   " (its virt_* views are off until it is restarted)\n",
           dir, why);
}

/* 1: DIR is a live FUSE mount (its proc/meminfo answers); 0: nothing mounted there; -1: a dead
   FUSE mount (ENOTCONN: its daemon is gone), detached here. */
static int
probe (const char *dir)
{
  struct statfs fs;
  struct stat st;
  char path[PATH_MAX];

  if (statfs (dir, &fs) < 0)
    return errno == ENOTCONN ? (umount2 (dir, MNT_DETACH), -1) : 0;
  if ((unsigned long) fs.f_type != FUSE_SUPER_MAGIC)
    return 0;
  snprintf (path, sizeof path, "%s/proc/meminfo", dir);
  if (stat (path, &st) == 0)
    return 1;
  umount2 (dir, MNT_DETACH);
  return -1;
}

/* The pid of the lxcfs process serving DIR: the one named lxcfs whose last argument is DIR; 0 if
   none. A system's own lxcfs (Debian's lxcfs.service) is found as well as ours. */
static int
find_daemon (const char *dir)
{
  DIR *d = opendir ("/proc");
  struct dirent *e;
  int found = 0;

  if (d == NULL)
    return 0;
  while (found == 0 && (e = readdir (d)) != NULL)
    {
      char path[64], buf[4096];
      int pid = atoi (e->d_name), fd;
      ssize_t n;

      if (pid <= 0)
        continue;
      snprintf (path, sizeof path, "/proc/%d/cmdline", pid);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        continue;
      n = read (fd, buf, sizeof buf - 1);
      close (fd);
      if (n <= 0)
        continue;
      buf[n] = '\0';
      const char *argv0 = strrchr (buf, '/') ? strrchr (buf, '/') + 1 : buf;
      if (strcmp (argv0, "lxcfs") != 0)
        continue;
      /* the last argument: the mount point */
      if (buf[n - 1] == '\0')
        n--;
      while (n > 0 && buf[n - 1] != '\0')
        n--;
      if (strcmp (buf + n, dir) == 0)
        found = pid;
    }
  closedir (d);
  return found;
}

/* Whether the daemon PID was started with one of FLAGS (a '|'-separated list, e.g.
   "-l|--enable-loadavg"). */
static int
has_flag (int pid, const char *flags)
{
  char path[64], buf[4096], want[256];
  ssize_t n;
  int fd;

  snprintf (path, sizeof path, "/proc/%d/cmdline", pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  snprintf (want, sizeof want, "%s", flags);
  for (char *save = NULL, *f = strtok_r (want, "|", &save); f; f = strtok_r (NULL, "|", &save))
    for (ssize_t i = 0; i < n; i += (ssize_t) strlen (buf + i) + 1)
      if (strcmp (buf + i, f) == 0)
        return 1;
  return 0;
}

/* Starts BINARY ARGS... DIR as a daemon of the host: a grandchild (so it is nobody's child here),
   in its own session, with nothing of ours (fds, umask, the plan's channels); in the caller's
   cgroups, which are the host's here (LXCFS runs before a start joins the guest's). 0, or an errno. */
static int
spawn (const char *binary, char **args, const char *dir)
{
  pid_t pid = fork ();
  int status;

  if (pid < 0)
    return errno;
  if (pid == 0)
    {
      if (fork () != 0)
        _exit (0);
      setsid ();
      umask (022);
      int null = open ("/dev/null", O_RDWR);
      if (null >= 0)
        dup2 (null, 0), dup2 (null, 1), dup2 (null, 2);
      syscall (SYS_close_range, 3, ~0U, 0);
      char *argv[64];
      int n = 0;
      argv[n++] = (char *) "lxcfs";
      for (int i = 0; args[i] != NULL && n < 62; i++)
        argv[n++] = args[i];
      argv[n++] = (char *) dir;
      argv[n] = NULL;
      char *envp[] = { (char *) "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
      execve (binary, argv, envp);
      _exit (127);
    }
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  return 0;
}

/* LXCFS binary dir lock args needs: makes sure an lxcfs serves DIR (starting BINARY ARGS DIR if
   none does, detaching a dead one's mount first), under flock(LOCK) so that two starts start one;
   then checks NEEDS, "VIEW FLAG|FLAG" lines: a view whose flag the running lxcfs lacks is off.
   Records the daemon (pid, start time) for MONITOR, which follows it. Never fails the start: what
   cannot be served is said on stderr and its views are off (LXCFS_BIND skips them). */
int
op_lxcfs (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *binary = r->f[0].s, *dir = r->f[1].s, *lock = r->f[2].s;
  char **args = r->f[3].v.p, **needs = r->f[4].v.p, why[512], state;
  int fd, live, pid;

  ctx->lxcfs_pid = 0;
  snprintf (ctx->lxcfs_off, sizeof ctx->lxcfs_off, "*");
  fd = open (lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || flock (fd, LOCK_EX) < 0)
    {
      snprintf (why, sizeof why, "open(`%s`) failed: %s", lock, strerror (errno));
      warn_views (ctx, dir, why);
      if (fd >= 0)
        close (fd);
      return 0;
    }
  live = probe (dir);
  if (live <= 0)
    {
      int err;
      if (access (binary, X_OK) < 0)
        {
          snprintf (why, sizeof why, "`%s` is missing (apt-get install lxcfs)", binary);
          warn_views (ctx, dir, why);
          close (fd);
          return 0;
        }
      if (mkdir (dir, 0755) < 0 && errno != EEXIST)
        {
          snprintf (why, sizeof why, "mkdir(`%s`) failed: %s", dir, strerror (errno));
          warn_views (ctx, dir, why);
          close (fd);
          return 0;
        }
      err = spawn (binary, args, dir);
      for (long deadline = vl_mono_ms () + LXCFS_READY_MS; err == 0 && (live = probe (dir)) <= 0;)
        {
          if (vl_mono_ms () > deadline)
            {
              err = ETIMEDOUT;
              break;
            }
          usleep (10000);
        }
      if (err != 0)
        {
          snprintf (why, sizeof why, "`%s` did not mount it within %d ms (%s); see `%s -f %s`", binary, LXCFS_READY_MS,
                    strerror (err), binary, dir);
          warn_views (ctx, dir, why);
          close (fd);
          return 0;
        }
    }
  close (fd);
  pid = find_daemon (dir);
  if (pid > 0 && vl_proc_stat (pid, &state, &ctx->lxcfs_ticks) == 0)
    ctx->lxcfs_pid = pid;
  ctx->lxcfs_off[0] = '\0';
  ctx->lxcfs_ready = 1;
  for (int i = 0; needs[i] != NULL; i++)
    {
      char view[64];
      const char *flags = strchr (needs[i], ' ');
      if (flags == NULL || pid <= 0 || has_flag (pid, flags + 1))
        continue;
      snprintf (view, sizeof view, "%.*s", (int) (flags - needs[i]), needs[i]);
      fprintf (stderr, "vserver: warning: %s: the lxcfs at %s (pid %d) runs without %s: the guest sees the host's figures there\n",
               view, dir, pid, flags + 1);
      size_t len = strlen (ctx->lxcfs_off);
      snprintf (ctx->lxcfs_off + len, sizeof ctx->lxcfs_off - len, " %s ", view);
    }
  return 0;
}

/* Whether LXCFS left VIEW on. */
int
vl_lxcfs_view_on (const struct vl_ctx *ctx, const char *view)
{
  char word[80];

  if (!ctx->lxcfs_ready)
    return 0;
  snprintf (word, sizeof word, " %s ", view);
  return strstr (ctx->lxcfs_off, word) == NULL;
}

/* The mount points of the lxcfs mounts in the mount table TEXT (/proc/self/mountinfo), in order. */
static int
lxcfs_mounts (char *text, char **points, int max)
{
  int n = 0;

  for (char *save = NULL, *line = strtok_r (text, "\n", &save); line && n < max; line = strtok_r (NULL, "\n", &save))
    {
      char *sep = strstr (line, " - "), *field = line;
      if (sep == NULL || strncmp (sep + 3, "fuse.lxcfs ", 11) != 0)
        continue;
      for (int i = 0; i < 4 && field; i++)
        field = strchr (field + 1, ' ');
      if (field == NULL)
        continue;
      char *end = strchr (field + 1, ' ');
      if (end)
        *end = '\0';
      points[n++] = field + 1; /* no lxcfs target has a space (mountinfo's \040) */
    }
  return n;
}

int
vl_lxcfs_detach (int pid)
{
  char path[64], *table, *points[64];
  int fd, n, done = 0;

  /* read through the host's /proc before the join: the guest's own /proc, which the join makes
     ours, has no entry for a process outside its pid namespace. The init's view names the mount
     points from the guest's root, which the join makes ours. */
  snprintf (path, sizeof path, "/proc/%d/mountinfo", pid);
  table = vl_read_small (path);
  if (table == NULL)
    return -1;
  n = lxcfs_mounts (table, points, 64);
  snprintf (path, sizeof path, "/proc/%d/ns/mnt", pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns (fd, CLONE_NEWNS) < 0)
    {
      int err = errno;
      if (fd >= 0)
        close (fd);
      free (table);
      errno = err;
      return -1;
    }
  close (fd);
  for (int i = n - 1; i >= 0; i--) /* the last first: what was mounted over another goes before it */
    if (umount2 (points[i], MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
      done++;
  free (table);
  return done;
}
