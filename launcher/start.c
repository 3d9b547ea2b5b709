/* start.c: `vserver-launcher --start DIR`: a guest's start from its cached plan, no JVM
 * (doc/plan-cache.md). DIR holds what Java compiled: `key` (the inputs, and where the guest's run
 * state goes), `start.plan`, `exec.plan` and `state.in`.
 *
 * Here the launcher plays the part Java plays in channel mode. It
 *   1. checks the key: a stale plan is never run (exit 124: java compiles, then starts);
 *   2. takes the guest's lock (the fcntl lock java's GuestLock takes);
 *   3. finds the guest stopped and clean: a running guest is said and left (exit 0); leftovers of
 *      a crash (run state, journal, cgroup) are java's to clean (exit 124);
 *   4. forks a worker that runs the plan with a status pipe as fd 4, and reads it as java would;
 *   5. on the init's exec writes the run state from state.in; on a failure, undoes the journal and
 *      names the step, the call and the errno.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"

#define VL_EXIT_NEEDS_JAVA 124 /* stale, leftovers, or a plan that needs java: bin/vserver runs java */

static char *
slurp (const char *path, size_t max)
{
  char *buf = malloc (max + 1);
  size_t len = 0;
  ssize_t n;
  int fd;

  if (buf == NULL)
    return NULL;
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return free (buf), NULL;
  while (len < max && ((n = read (fd, buf + len, max - len)) > 0 || (n < 0 && errno == EINTR)))
    if (n > 0)
      len += n;
  close (fd);
  buf[len] = '\0';
  return buf;
}

char *
vl_read_small (const char *path)
{
  return slurp (path, 1 << 20);
}

/* The guest's fcntl lock on PATH, as GuestLock takes it: the file is removed on release, so a lock
   won on an inode no longer linked there is tried again. The fd, or -1. */
static int
lock_guest (const char *path, int wait)
{
  char dir[4200], *slash;

  /* the run directory's root, as java's GuestLock makes it; removed again with the last lock */
  snprintf (dir, sizeof dir, "%s", path);
  slash = strrchr (dir, '/');
  if (slash != NULL && slash != dir)
    {
      *slash = '\0';
      if (mkdir (dir, 0755) < 0 && errno != EEXIST)
        return -1;
    }
  for (;;)
    {
      struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
      struct stat a, b;
      int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

      if (fd < 0)
        return -1;
      while (fcntl (fd, wait ? F_SETLKW : F_SETLK, &fl) < 0)
        if (errno != EINTR)
          {
            int err = errno == EACCES ? EAGAIN : errno;
            close (fd);
            errno = err;
            return -1;
          }
      if (fstat (fd, &a) == 0 && stat (path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return fd;
      close (fd);
    }
}

int
vl_lock_guest (const char *path)
{
  return lock_guest (path, 1);
}

int
vl_try_lock_guest (const char *path)
{
  return lock_guest (path, 0);
}

void
vl_unlock_guest (const char *path, int fd)
{
  char dir[4200], *slash;

  unlink (path);
  close (fd);
  snprintf (dir, sizeof dir, "%s", path);
  slash = strrchr (dir, '/');
  if (slash != NULL && slash != dir)
    {
      *slash = '\0';
      rmdir (dir); /* only if nothing else is left in it: other guests, their locks */
    }
}

int
vl_proc_stat (int pid, char *state, unsigned long long *ticks)
{
  char path[64], buf[4096], *p;
  int fd, i;
  ssize_t n;

  snprintf (path, sizeof path, "/proc/%d/stat", pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return -1;
  p += 2;
  *state = *p;
  for (i = 0; i < 19 && p != NULL; i++) /* starttime is field 22, the 20th after comm */
    {
      p = strchr (p, ' ');
      if (p)
        p++;
    }
  if (p == NULL)
    return -1;
  *ticks = strtoull (p, NULL, 10);
  return 0;
}

/* state.in with @PID@, @STARTTIME@ and @STARTED@ (epoch ms) filled in, written by rename. */
static int
write_state (const char *tmpl_path, const char *path, int pid, unsigned long long ticks)
{
  char *tmpl = slurp (tmpl_path, 4096), out[8192], tmp[4200], *o = out, *t;
  struct timeval tv;
  int fd;
  size_t len;

  if (tmpl == NULL)
    return vl_fail ("open", tmpl_path);
  gettimeofday (&tv, NULL);
  for (t = tmpl; *t && o < out + sizeof out - 64; t++)
    {
      if (strncmp (t, "@PID@", 5) == 0)
        o += sprintf (o, "%d", pid), t += 4;
      else if (strncmp (t, "@STARTTIME@", 11) == 0)
        o += sprintf (o, "%llu", ticks), t += 10;
      else if (strncmp (t, "@STARTED@", 9) == 0)
        o += sprintf (o, "%lld", (long long) tv.tv_sec * 1000 + tv.tv_usec / 1000), t += 8;
      else
        *o++ = *t;
    }
  free (tmpl);
  len = o - out;
  snprintf (tmp, sizeof tmp, "%s.tmp", path);
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return vl_fail ("open", tmp);
  if (write (fd, out, len) != (ssize_t) len)
    {
      int err = errno;
      close (fd);
      unlink (tmp);
      return vl_fail_errno ("write", tmp, err);
    }
  close (fd);
  if (rename (tmp, path) < 0)
    {
      int err = errno;
      unlink (tmp);
      return vl_fail_errno ("rename", path, err);
    }
  return 0;
}

/* Our lock, if we took it (not the caller's: it releases its own). */
static void
unlock (const char *path, int fd)
{
  if (fd >= 0)
    vl_unlock_guest (path, fd);
}

/* 1 if another running guest of the run directory above RUN has XID (a dynamic XID compiled
   into the plan may have been taken since: java picks another). */
static int
xid_taken (const char *run, const char *name, const char *xid)
{
  char root[4200], *slash, want[64];
  struct dirent *e;
  DIR *d;
  int taken = 0;

  snprintf (root, sizeof root, "%s", run);
  slash = strrchr (root, '/');
  if (slash == NULL)
    return 0;
  *slash = '\0';
  snprintf (want, sizeof want, "\nxid=%s\n", xid);
  d = opendir (root);
  if (d == NULL)
    return 0;
  while (!taken && (e = readdir (d)) != NULL)
    {
      char state[8800], *st;
      if (e->d_name[0] == '.' || strcmp (e->d_name, name) == 0)
        continue;
      snprintf (state, sizeof state, "%s/%s/state", root, e->d_name);
      st = slurp (state, 4096);
      if (st != NULL && strstr (st, want) != NULL && vl_init_running (state))
        taken = 1;
      free (st);
    }
  closedir (d);
  return taken;
}

/* The cache is what root runs: DIR, its parent and the cache base must be root's, and writable by
   nobody else, as must the key and the plan. */
static int
trusted (const char *dir)
{
  static const char *const files[] = { "", "/..", "/../..", "/key", "/start.plan", "/exec.plan", "/state.in", NULL };
  char path[4200];
  struct stat st;
  int i;

  for (i = 0; files[i]; i++)
    {
      snprintf (path, sizeof path, "%s%s", dir, files[i]);
      if (stat (path, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022) != 0)
        return 0;
    }
  return 1;
}

/* Reads exactly LEN bytes; 0 at EOF before the first, 1 when whole, -1 on a short read. */
static int
read_exact (int fd, void *buf, size_t len)
{
  size_t got = 0;

  while (got < len)
    {
      ssize_t n = read (fd, (char *) buf + got, len - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return got == 0 && n == 0 ? 0 : -1;
      got += n;
    }
  return 1;
}

/* What an errno means for a step, in the words org.vserver.launch.StepFailedException#hint uses:
   on the guest's tree the guest's own doing more often than not. */
static void
print_hint (const struct vl_rec *r, int err, FILE *out)
{
  const char *path = NULL;

  switch (r->op)
    {
    case VL_OP_MKDIR_IN:
    case VL_OP_MKNOD_IN:
    case VL_OP_MOUNT_IN:
    case VL_OP_CHOWN_IN:
      path = r->f[r->op == VL_OP_MOUNT_IN ? 1 : 0].s;
      break;
    case VL_OP_SYMLINK_IN:
    case VL_OP_BIND_IN:
    case VL_OP_BIND_IDMAP_IN:
      path = r->f[1].s;
      break;
    }
  /* cpuset.cpus: EINVAL for a CPU offline, EACCES (v1) for one the parent cpuset lacks */
  if (r->op == VL_OP_WRITE_FILE && (err == EINVAL || err == EACCES || err == ENOSPC) && strlen (r->f[0].s) >= 11
      && strcmp (r->f[0].s + strlen (r->f[0].s) - 11, "cpuset.cpus") == 0)
    fprintf (out, ": CPUs `%s` are not all online (or not all in the parent cpuset) any more: the plan was compiled"
                  " when they were; see /sys/devices/system/cpu/online, and change cpuset/cpus or bring them back",
             r->f[1].s);
  else if (r->op == VL_OP_SET_CAPS && err == EPERM)
    fputs (": vserver runs with fewer capabilities than it needs to set the guest's (CAP_SETPCAP to narrow the"
           " bounding set, and each capability the guest keeps): run it as root with the full bounding set, not"
           " under setpriv --bounding-set, capsh --drop or a container that reduced it", out);
  else if (r->op == VL_OP_VERIFY_CWD && err == EXDEV)
    fputs (": the start is refused: the working directory is outside the guest, or a mount is stacked on the guest's"
           " root (its `/..` would reach what lies above, the host's root)", out);
  else if (path != NULL && err == ELOOP)
    {
      fprintf (out, ": `%s`", path);
      if (r->op == VL_OP_BIND_IN)
        fprintf (out, " (or the bind's source `%s`)", r->f[0].s);
      fputs (" is a symbolic link in the guest's tree; the launcher never follows a link where it creates, mounts or"
             " chowns (the guest could point it at the host): replace the link with a directory (or file) inside the guest",
             out);
    }
  else if (path != NULL && err == EXDEV)
    fprintf (out, ": `%s` is the guest's root itself; nothing is mounted over it: fix the fstab line", path);
  else if (path != NULL && err == ENOENT)
    fprintf (out, ": a directory on the way to `%s` is missing in the guest's tree (links are followed only inside the"
                  " guest: an absolute one starts again at the guest's root)", path);
}

/* A disk image the start mounts (key directive `image PATH`) as Java's LoopImage#check wants it:
   an ext4 superblock (magic 0xEF53 at 1024 + 0x38), cleanly unmounted without errors (s_state at
   0x3A: VALID set, ERRORS clear), spanning the whole file (s_blocks_count lo 0x04, hi 0x150 with
   INCOMPAT_64BIT 0x80 at 0x60, block size 1024 << 0x18). 1 if so; 0 leaves the start to java, which
   says what is wrong and what to do (missing, corrupt, a crash's dirty image, a cut-off resize). */
static int
image_ready (const char *path)
{
  unsigned char b[1024];
  struct stat st;
  uint64_t blocks;
  uint32_t lo, hi = 0, log;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  ssize_t n;

  if (fd < 0)
    return 0;
  n = fstat (fd, &st) == 0 && S_ISREG (st.st_mode) ? pread (fd, b, sizeof b, 1024) : -1;
  close (fd);
  if (n != (ssize_t) sizeof b || (b[0x38] | b[0x39] << 8) != 0xEF53 || !(b[0x3A] & 1) || (b[0x3A] & 2))
    return 0;
  memcpy (&lo, b + 0x04, 4);
  memcpy (&log, b + 0x18, 4);
  if (b[0x60] & 0x80)
    memcpy (&hi, b + 0x150, 4);
  blocks = (uint64_t) hi << 32 | lo;
  return log < 16 && blocks * (1024ull << log) == (uint64_t) st.st_size;
}

/* The worker's command line, which its guest init (the reaper) inherits, says nothing of the host:
   "vserver-init", as a channel-mode start's re-execution names it (main.c), not the cache's path. */
static void
hide_argv (char **argv)
{
  char *end;
  int i;

  if (argv == NULL || argv[0] == NULL)
    return;
  for (i = 0; argv[i + 1] != NULL; i++)
    ;
  end = argv[i] + strlen (argv[i]);
  memset (argv[0], 0, end - argv[0]);
  snprintf (argv[0], end - argv[0] + 1, "vserver-init");
}

static void __attribute__ ((noreturn))
worker (const char *plan_path, int status_w, char **argv)
{
  struct vl_ctx ctx = { .mode = VL_MODE_CHANNEL, .exec_gate = -1, .root_fd = -1, .journal_fd = -1, .console_fd = -1 };
  struct vl_plan plan;
  unsigned char *buf;
  uint32_t bad;
  char err[256];
  size_t len;
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);

  /* fd 0 /dev/null (the guest never reads the admin's terminal), 3 /dev/null (no acks: a plan
     with AWAIT is java's), 4 the status pipe; 1 and 2 stay the admin's until OPEN_STDIO */
  if (null < 0 || dup2 (null, 0) < 0 || dup2 (null, VL_PLAN_FD) < 0 || dup2 (status_w, VL_STATUS_FD) < 0)
    _exit (VL_EXIT_SETUP);
  fcntl (VL_PLAN_FD, F_SETFD, FD_CLOEXEC);
  fcntl (VL_STATUS_FD, F_SETFD, FD_CLOEXEC);
  buf = vl_plan_load (plan_path, &len, err, sizeof err);   /* before the path's memory is cleared */
  hide_argv (argv);
  if (buf == NULL || vl_plan_decode (buf, len, &plan, &bad, err, sizeof err) < 0)
    {
      vl_status_detail (&ctx, VL_STEP_HEADER, err);
      vl_status (&ctx, VL_STATUS_FAIL, VL_STEP_HEADER, EINVAL);
      _exit (VL_EXIT_SETUP);
    }
  vl_status (&ctx, VL_STATUS_ALIVE, 0, getpid ());
  if (vl_run (&ctx, &plan) == 0)
    vl_failf (ENOEXEC, "execve(): the plan has no EXEC"), ctx.step = plan.count;
  vl_status_detail (&ctx, ctx.step, vl_last_error.call);
  vl_status (&ctx, VL_STATUS_FAIL, ctx.step, vl_last_error.err);
  _exit (VL_EXIT_SETUP);
}

long
vl_mono_ms (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

/* The last lines of the guest's console log on stderr, as the admin reads them: each prefixed
   "  | ", carriage returns dropped, other control bytes (escape sequences) shown as '?'. */
static void
console_tail (const char *log, const char *name)
{
  char *text, *p, *start, *boot = NULL, marker[300];
  int lines = 0;

  if (log == NULL || (text = slurp (log, 1 << 21)) == NULL)
    return;
  /* this boot's lines only: from the monitor's line that began it */
  snprintf (marker, sizeof marker, "[vserver: guest %s started at ", name);
  for (p = text; (p = strstr (p, marker)) != NULL; p++)
    boot = p;
  if (boot != NULL && (boot = strchr (boot, '\n')) != NULL)
    memmove (text, boot + 1, strlen (boot + 1) + 1);
  p = text + strlen (text);
  while (p > text && (p[-1] == '\n' || p[-1] == '\r'))
    *--p = '\0';
  for (start = p; start > text && lines < 12; start--)
    if (start[-1] == '\n' && ++lines == 12)
      break;
  while (*start == '\n' || *start == '\r')
    start++;
  if (*start == '\0')
    return free (text);
  fputs ("  | ", stderr);
  for (p = start; *p; p++)
    if (*p == '\n')
      fputs ("\n  | ", stderr);
    else if (*p != '\r')
      fputc ((unsigned char) *p < 0x20 && *p != '\t' ? '?' : *p, stderr);
  fputc ('\n', stderr);
  free (text);
}

/* A guest whose init ended while it booted: its start undone now, as its monitor would have done
   had our start not held the lock then (RUN/stop; nothing if another command was quicker). */
static void
undo_dead (const char *run, const char *state, const char *lock_path)
{
  uint64_t ticks;
  int pid, lock = lock_path != NULL ? vl_lock_guest (lock_path) : -1;

  if (lock < 0 && lock_path != NULL)
    return;
  if (vl_state_init (state, &pid, &ticks) == 0 && !vl_init_running (state))
    vl_stop_dead (run, pid, ticks);
  if (lock >= 0)
    vl_unlock_guest (lock_path, lock);
}

/* A guest whose style runs a start command under the reaper (sysv's rc, openrc, ...): its start
   waits (at most SECONDS) until that command has ended, which the reaper tells the monitor and the
   monitor writes to RUN/booted; 0 if it exited 0. 1: it failed, did not end in time, or the init
   ended meanwhile; the console's last lines say why. */
static int
boot_wait_rc (const char *run, const char *state, const char *lock_path, const char *log, const char *name, int seconds)
{
  char path[4200], *code;
  long deadline = vl_mono_ms () + seconds * 1000L;
  uint64_t ticks;
  int pid, pidfd = -1, rc;

  snprintf (path, sizeof path, "%s/booted", run);
  if (vl_state_init (state, &pid, &ticks) == 0)
    pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  for (;;)
    {
      struct pollfd p = { .fd = pidfd, .events = POLLIN };
      if ((code = slurp (path, 64)) != NULL)
        break;
      if (vl_mono_ms () >= deadline)
        {
          fprintf (stderr, "vserver: guest '%s' has not finished booting after %d s (apps/init/timeout.start): its start"
                           " command still runs; it runs on (`vserver %s console` shows it):\n", name, seconds, name);
          console_tail (log, name);
          return pidfd >= 0 ? close (pidfd) : 0, 1;
        }
      if (pidfd < 0 || poll (&p, 1, 20) > 0)
        {
          fprintf (stderr, "vserver: guest '%s': its init ended while it was booting; the last lines of its console:\n", name);
          console_tail (log, name);
          undo_dead (run, state, lock_path);
          return pidfd >= 0 ? close (pidfd) : 0, 1;
        }
    }
  if (pidfd >= 0)
    close (pidfd);
  rc = atoi (code);
  free (code);
  if (rc == 0)
    return 0;
  fprintf (stderr, "vserver: guest '%s': its start command exited with %d; it runs on (`vserver %s stop` stops it)."
                   " The last lines of its console:\n", name, rc, name);
  console_tail (log, name);
  return 1;
}

/* What a systemd guest is asked once its init runs: wait for systemd's own socket, then for the end
   of its boot job queue; it prints running, degraded, starting, ... */
#define BOOT_SCRIPT "until [ -S /run/systemd/private ]; do sleep 0.05; done; exec systemctl is-system-running --wait"

/* A systemd guest's start waits (at most SECONDS) until its boot is done, asking it through the exec
   plan as `vserver NAME exec` would, and says how it went. 0: running or degraded; 1: not booted in
   time (it runs on, for its admin to look at) or its init ended meanwhile (the next command cleans
   up after it). */
static int
boot_wait (const char *dir, const char *name, const char *log, int seconds)
{
  char plan[4200], out[256] = "";
  long deadline = vl_mono_ms () + seconds * 1000L;
  size_t len = 0;
  int p[2], status = 0, null, exited = 0;
  pid_t child;

  snprintf (plan, sizeof plan, "%s/exec.plan", dir);
  if (pipe2 (p, O_CLOEXEC) < 0)
    return 0;
  child = fork ();
  if (child < 0)
    return close (p[0]), close (p[1]), 0;
  if (child == 0)
    {
      null = open ("/dev/null", O_RDWR);
      if (null < 0 || dup2 (null, 0) < 0 || dup2 (p[1], 1) < 0 || dup2 (null, 2) < 0)
        _exit (127);
      execl ("/proc/self/exe", "vserver-launcher", "--replay", plan, "--", "/bin/sh", "-c", BOOT_SCRIPT, (char *) NULL);
      _exit (127);
    }
  close (p[1]);
  for (;;)
    {
      struct pollfd pf = { .fd = p[0], .events = POLLIN };
      long left = deadline - vl_mono_ms ();
      ssize_t n;
      if (left <= 0)
        break;
      if (poll (&pf, 1, (int) left) <= 0)
        continue;
      n = read (p[0], out + len, sizeof out - 1 - len);
      if (n <= 0)
        break;
      len += n;
      if (len >= sizeof out - 1)
        break;
    }
  out[len] = '\0';
  close (p[0]);
  while (vl_mono_ms () < deadline && !exited)
    {
      pid_t w = waitpid (child, &status, WNOHANG);
      if (w == child)
        exited = 1;
      else
        usleep (10000);
    }
  if (!exited)
    {
      kill (child, SIGKILL);
      waitpid (child, &status, 0);
      fprintf (stderr, "vserver: guest '%s' has not finished booting after %d s (apps/init/timeout.start); it runs on:"
                       " `vserver %s exec systemctl list-jobs` shows what it waits for. The last lines of its console:\n",
               name, seconds, name);
      console_tail (log, name);
      return 1;
    }
  out[strcspn (out, "\n")] = '\0';
  if (WIFEXITED (status) && WEXITSTATUS (status) == VL_EXIT_STALE)
    {
      fprintf (stderr, "vserver: guest '%s': its init ended while it was booting (`vserver %s start` tries again);"
                       " the last lines of its console:\n", name, name);
      console_tail (log, name);
      return 1;
    }
  if (strcmp (out, "running") == 0)
    return 0;
  if (strcmp (out, "degraded") == 0)
    {
      fprintf (stderr, "vserver: guest '%s' booted degraded: `vserver %s exec systemctl --failed` lists the units that"
                       " failed\n", name, name);
      return 0;
    }
  fprintf (stderr, "vserver: guest '%s' did not boot: systemd says `%s` (`vserver %s exec systemctl status` tells"
                   " more); it runs on\n", name, out[0] ? out : "nothing", name);
  return 1;
}

int
vl_start (const char *dir, int how, char **argv)
{
  int check_only = how == VL_START_CHECK, locked = how == VL_START_LOCKED;
  char path[4200], why[8400], detail[sizeof vl_last_error.call] = "";
  const char *name, *lock_path, *journal, *state;
  struct vl_key key;
  int lock, pipefd[2], failed_step = -1, failed_err = 0, init = -1, status, i, rc;
  pid_t w;

  snprintf (path, sizeof path, "%s/key", dir);
  key.text = slurp (path, 1 << 20);
  if (key.text == NULL)
    {
      if (check_only)
        printf ("stale: no cached plan (%s: %s)\n", path, strerror (errno));
      return VL_EXIT_NEEDS_JAVA;
    }
  rc = vl_key_check (&key, why, sizeof why);
  if (rc == 0 && vl_key_get (&key, "needs-java") != NULL)
    rc = 1, snprintf (why, sizeof why, "the start needs java: %s", vl_key_get (&key, "needs-java"));
  if (check_only)
    {
      printf (rc == 0 ? "current\n" : "stale: %s\n", why);
      return rc == 0 ? 0 : VL_EXIT_NEEDS_JAVA;
    }
  if (rc != 0 || !trusted (dir))
    return VL_EXIT_NEEDS_JAVA;
  name = vl_key_get (&key, "name");
  lock_path = vl_key_get (&key, "lock");
  journal = vl_key_get (&key, "journal");
  state = vl_key_get (&key, "state");
  if (name == NULL || lock_path == NULL || journal == NULL || state == NULL)
    return VL_EXIT_NEEDS_JAVA;

  lock = locked ? -1 : vl_lock_guest (lock_path);
  if (lock < 0 && !locked)
    {
      fprintf (stderr, "vserver: guest '%s': open(`%s`) failed: %s\n", name, lock_path, strerror (errno));
      return 1;
    }
  if (vl_init_running (state))
    {
      fprintf (stderr, "vserver: guest '%s' is already running\n", name);
      unlock (lock_path, lock);
      return 0;
    }
  if (vl_key_get (&key, "xid") && vl_key_get (&key, "run")
      && xid_taken (vl_key_get (&key, "run"), name, vl_key_get (&key, "xid")))
    return unlock (lock_path, lock), VL_EXIT_NEEDS_JAVA;
  for (i = 0; i < key.ndirectives; i++)
    if (strcmp (key.directives[i][0], "image") == 0 && !image_ready (key.directives[i][1]))
      return unlock (lock_path, lock), VL_EXIT_NEEDS_JAVA;
  /* what a dead guest or a killed start left is java's to clean up (network, storage, cgroups) */
  if (access (state, F_OK) == 0 || access (journal, F_OK) == 0)
    return unlock (lock_path, lock), VL_EXIT_NEEDS_JAVA;
  for (i = 0; i < key.ndirectives; i++)
    if (strcmp (key.directives[i][0], "cgroup") == 0 && access (key.directives[i][1], F_OK) == 0)
      return unlock (lock_path, lock), VL_EXIT_NEEDS_JAVA;

  for (i = 0; i < key.ndirectives; i++)
    if (strcmp (key.directives[i][0], "warn") == 0)
      fprintf (stderr, "vserver: %s\n", key.directives[i][1]);
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    {
      fprintf (stderr, "vserver: guest '%s': pipe2() failed: %s\n", name, strerror (errno));
      return unlock (lock_path, lock), 1;
    }
  snprintf (path, sizeof path, "%s/start.plan", dir);
  w = fork ();
  if (w < 0)
    {
      fprintf (stderr, "vserver: guest '%s': fork() failed: %s\n", name, strerror (errno));
      return unlock (lock_path, lock), 1;
    }
  if (w == 0)
    {
      close (pipefd[0]);
      worker (path, pipefd[1], argv);
    }
  close (pipefd[1]);
  for (;;)
    {
      uint32_t rec[3];
      int got = read_exact (pipefd[0], rec, sizeof rec);
      if (got <= 0)
        break;
      if (rec[0] == VL_STATUS_PID)
        init = (int) rec[2];
      else if (rec[0] == VL_STATUS_DETAIL)
        {
          uint32_t n = rec[2] > VL_DETAIL_MAX ? VL_DETAIL_MAX : rec[2];
          if (read_exact (pipefd[0], detail, n) != 1)
            break;
          detail[n] = '\0';
        }
      else if (rec[0] == VL_STATUS_FAIL)
        failed_step = (int) rec[1], failed_err = (int) rec[2];
    }
  close (pipefd[0]);
  while (waitpid (w, &status, 0) < 0 && errno == EINTR)
    ;
  if (failed_step < 0)
    {
      char s;
      unsigned long long ticks;
      /* EOF: the init exec'd, or died before it could say why */
      if (init <= 0 || vl_proc_stat (init, &s, &ticks) < 0 || s == 'Z' || s == 'X')
        snprintf (detail, sizeof detail, "the guest's init (pid %d) died during start", init), failed_err = ESRCH;
      else
        {
          struct vl_ctx ctx = { .journal_fd = open (journal, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW) };
          snprintf (path, sizeof path, "%s/state.in", dir);
          const char *pause = vl_key_get (&key, "pause");
          char file[4200] = "", value[32];
          if (ctx.journal_fd < 0 || vl_journal_note (&ctx, "unlink", state) < 0
              || write_state (path, state, init, ticks) < 0)
            snprintf (detail, sizeof detail, "%s", vl_last_error.call), failed_err = errno ? errno : EIO;
          /* sched_pause: the guest starts frozen, once its init runs */
          else if (pause != NULL && (sscanf (pause, "%4199s %31s", file, value) != 2 || vl_freeze (file, value) < 0))
            snprintf (detail, sizeof detail, "write(`%s`, sched_pause)", file), failed_err = errno ? errno : EIO;
          else
            {
              /* java's start (--locked) holds the lock for us until we return */
              const char *relock = locked ? NULL : lock_path;
              /* "SECONDS" (systemd's job queue) or "SECONDS rc" (the reaper's start command) */
              const char *boot = vl_key_get (&key, "boot-wait"), *log = vl_key_get (&key, "log");
              close (ctx.journal_fd);
              unlock (lock_path, lock);
              if (boot == NULL && !vl_init_running (state) && vl_key_get (&key, "run") != NULL)
                {
                  /* a plain init says nothing of its boot: caught only if it has ended already */
                  fprintf (stderr, "vserver: guest '%s': its init ended during its start; the last lines of its console:\n", name);
                  console_tail (log, name);
                  undo_dead (vl_key_get (&key, "run"), state, relock);
                  return 1;
                }
              /* a guest that starts frozen boots once thawed: nothing to wait for now */
              if (boot == NULL || pause != NULL)
                return 0;
              if (strstr (boot, " rc") != NULL && vl_key_get (&key, "run") != NULL)
                return boot_wait_rc (vl_key_get (&key, "run"), state, relock, log, name, atoi (boot));
              rc = boot_wait (dir, name, log, atoi (boot));
              if (rc != 0 && vl_key_get (&key, "run") != NULL && !vl_init_running (state))
                undo_dead (vl_key_get (&key, "run"), state, relock);
              return rc;
            }
        }
    }
  {
    const char *ename = strerrorname_np (failed_err);
    struct vl_plan plan = { 0 };
    unsigned char *buf;
    uint32_t bad;
    char err[256];
    size_t len;

    snprintf (path, sizeof path, "%s/start.plan", dir);
    buf = failed_step >= 0 ? vl_plan_load (path, &len, err, sizeof err) : NULL;
    if (detail[0] == '!' && failed_step >= 0)
      fprintf (stderr, "vserver: guest '%s': %s (%s) (step %d of %s/start.plan)\n", name, detail + 1,
               ename ? ename : "E?", failed_step, dir);
    else if (buf != NULL && vl_plan_decode (buf, len, &plan, &bad, err, sizeof err) == 0 && (uint32_t) failed_step < plan.count)
      {
        /* as java words a failed step: the call, the errno, then the step as `debug plan` shows it */
        fprintf (stderr, "vserver: guest '%s': %s failed: %s (%s)", name, detail, strerror (failed_err), ename ? ename : "E?");
        print_hint (&plan.rec[failed_step], failed_err, stderr);
        fprintf (stderr, " (step %d/%u: ", failed_step, plan.count);
        vl_rec_print (&plan.rec[failed_step], stderr);
        fputs (")\n", stderr);
      }
    else if (failed_step >= 0 && (uint32_t) failed_step != VL_STEP_HEADER)
      fprintf (stderr, "vserver: guest '%s': %s failed: %s (%s) (step %d of %s/start.plan)\n", name, detail,
               strerror (failed_err), ename ? ename : "E?", failed_step, dir);
    else
      fprintf (stderr, "vserver: guest '%s': %s failed: %s (%s)\n", name, detail, strerror (failed_err),
               ename ? ename : "E?");
  }
  if (vl_journal_undo (journal) < 0 || (vl_key_get (&key, "run") && vl_remove_tree (vl_key_get (&key, "run")) < 0))
    fprintf (stderr, "vserver: guest '%s': the failed start could not be undone completely: `vserver %s stop` tries again\n",
             name, name);
  unlock (lock_path, lock);
  return 1;
}
