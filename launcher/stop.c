/* stop.c: `vserver-launcher --stop RUN`: a guest's stop without a JVM (doc/plan-cache.md).
 *
 * RUN is the guest's run directory; its `stop` file was compiled with the start plan and linked in
 * by it, so the stop is the one that belongs to the running instance:
 *
 *   vserver-stop 1
 *   name web            lock /run/vservers/web.lock     state /run/vservers/web/state
 *   journal /run/vservers/web.journal                   run /run/vservers/web
 *   procs /sys/fs/cgroup/pids/vservers/web/cgroup.procs  (one per hierarchy)
 *   freeze /sys/fs/cgroup/freezer/vservers/web/freezer.state FROZEN THAWED
 *   command             (run RUN/stop.plan: the style's stop command)  or  signal 2  (to the init)
 *   timeout 30      how long the init may take to shut down after the signal (seconds)
 *   killseq 15 5 9
 *
 * As java's GuestStop: thaw, the style's stop (at most 30 s), the kill sequence (a wait ends early
 * once no process left could end on the signal: /proc/PID/status SigCgt, SigIgn, NSpid), then
 * freeze, SIGKILL, thaw, and the start's journal undone. Exit 124 leaves the stop to java: no
 * stop file (a start that needed java), or a guest that is not running (its leftovers).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"

#define VL_EXIT_NEEDS_JAVA 124
#define VL_MAX_PROCS_FILES 16
#define VL_STOP_COMMAND_MS 30000

struct stop_conf
{
  const char *name, *lock, *state, *journal, *run;
  const char *procs[VL_MAX_PROCS_FILES];
  int nprocs;
  char *freeze_file, *frozen, *thawed;
  int command, signal, timeout_s;
  int killseq[32], nkill;
};

static void
sleep_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
  nanosleep (&ts, NULL);
}

static int
parse (char *text, struct stop_conf *c)
{
  char *line, *p = text;

  memset (c, 0, sizeof *c);
  if (strncmp (p, "vserver-stop 1\n", 15) != 0)
    return -1;
  p += 15;
  while ((line = strsep (&p, "\n")) != NULL)
    {
      char *rest = strchr (line, ' ');
      if (rest)
        *rest++ = '\0';
      if (strcmp (line, "name") == 0 && rest)
        c->name = rest;
      else if (strcmp (line, "lock") == 0 && rest)
        c->lock = rest;
      else if (strcmp (line, "state") == 0 && rest)
        c->state = rest;
      else if (strcmp (line, "journal") == 0 && rest)
        c->journal = rest;
      else if (strcmp (line, "run") == 0 && rest)
        c->run = rest;
      else if (strcmp (line, "procs") == 0 && rest && c->nprocs < VL_MAX_PROCS_FILES)
        c->procs[c->nprocs++] = rest;
      else if (strcmp (line, "freeze") == 0 && rest)
        {
          c->freeze_file = strsep (&rest, " ");
          c->frozen = strsep (&rest, " ");
          c->thawed = rest;
        }
      else if (strcmp (line, "command") == 0)
        c->command = 1;
      else if (strcmp (line, "signal") == 0 && rest)
        c->signal = atoi (rest);
      else if (strcmp (line, "timeout") == 0 && rest)
        c->timeout_s = atoi (rest);
      else if (strcmp (line, "killseq") == 0 && rest)
        {
          char *w;
          while ((w = strsep (&rest, " ")) != NULL && c->nkill < 32)
            if (*w)
              c->killseq[c->nkill++] = atoi (w);
        }
    }
  return c->name && c->lock && c->state && c->journal && c->run && c->nprocs > 0 ? 0 : -1;
}

/* The pids of the cgroup whose cgroup.procs is PROCS and of those below it (a systemd guest's own,
   in its cgroup2 subtree), appended to OUT from N; the new count. */
static int
pids_below (const char *procs, int *out, int n, int max, int depth)
{
  char dir[4200], *slash;
  FILE *f = fopen (procs, "re");
  DIR *d;
  struct dirent *e;
  int pid;

  if (f == NULL)
    return n;
  while (n < max && fscanf (f, "%d", &pid) == 1)
    out[n++] = pid;
  fclose (f);
  snprintf (dir, sizeof dir, "%s", procs);
  slash = strrchr (dir, '/');
  if (slash == NULL || depth >= 32)
    return n;
  *slash = '\0';
  if ((d = opendir (dir)) == NULL)
    return n;
  while (n < max && (e = readdir (d)) != NULL)
    if (e->d_type == DT_DIR && strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      {
        char sub[4300];
        if ((size_t) snprintf (sub, sizeof sub, "%s/%s/cgroup.procs", dir, e->d_name) < sizeof sub)
          n = pids_below (sub, out, n, max, depth + 1);
      }
  closedir (d);
  return n;
}

/* Every pid of the guest's cgroups (duplicates are harmless: each is signalled twice at most). */
static int
pids (const struct stop_conf *c, int *out, int max)
{
  int n = 0, i;

  for (i = 0; i < c->nprocs; i++)
    n = pids_below (c->procs[i], out, n, max, 0);
  return n;
}

/* Whether SIGNAL, sent from the host, can still end PID (org.vserver.proc.SignalDisposition). */
static int
may_end_on (int pid, int sig)
{
  char path[64], line[512];
  unsigned long long caught = 0, ignored = 0, bit;
  int init = 0;
  FILE *f;

  if (sig == SIGKILL)
    return 1;
  snprintf (path, sizeof path, "/proc/%d/status", pid);
  f = fopen (path, "re");
  if (f == NULL)
    return 0; /* gone: ends nothing more */
  while (fgets (line, sizeof line, f))
    {
      /* caught, or blocked: a signalfd reader (systemd's SIGRTMIN+3) takes it too, and the kernel
         queues a blocked signal even for a pid namespace's init */
      if (strncmp (line, "SigCgt:", 7) == 0 || strncmp (line, "SigBlk:", 7) == 0)
        caught |= strtoull (line + 7, NULL, 16);
      else if (strncmp (line, "SigIgn:", 7) == 0)
        ignored = strtoull (line + 7, NULL, 16);
      else if (strncmp (line, "NSpid:", 6) == 0)
        {
          char *last = strrchr (line, '\t'), *first = strchr (line, '\t');
          init = last != NULL && last != first && atoi (last + 1) == 1;
        }
    }
  fclose (f);
  bit = 1ull << (sig - 1);
  if (caught & bit)
    return 1;
  if (init || (ignored & bit))
    return 0;
  return !(sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH || sig == SIGSTOP || sig == SIGTSTP
           || sig == SIGTTIN || sig == SIGTTOU);
}

/* 1 once the cgroups are empty; 0 on timeout or once SIG can end none of what is left. */
static int
await_end (const struct stop_conf *c, long wait_ms, int sig)
{
  long deadline = vl_mono_ms () + wait_ms, pause = 1;
  int list[4096];

  for (;;)
    {
      int n = pids (c, list, 4096), i, any = 0;
      if (n == 0)
        return 1;
      for (i = 0; i < n && !any; i++)
        any = may_end_on (list[i], sig);
      if (!any || vl_mono_ms () > deadline)
        return 0;
      sleep_ms (pause);
      pause = pause * 2 > 50 ? 50 : pause * 2;
    }
}

/* 0, or -1 with errno (a stop goes on without a freezer: its callers there ignore it) */
static int
write_text (const char *path, const char *text)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC), err = 0;
  if (fd < 0)
    return -1;
  if (write (fd, text, strlen (text)) < 0)
    err = errno;
  close (fd);
  return err ? (errno = err, -1) : 0;
}

/* Writes VALUE to the freezer control FILE; for v1's FROZEN, waits (5 s at most, the write repeated:
   a task entering meanwhile is caught by a later one) until it reads so. 0, or -1 (errno set). */
int
vl_freeze (const char *file, const char *value)
{
  char buf[64];
  long deadline = vl_mono_ms () + 5000;

  if (write_text (file, value) < 0)
    return -1;
  if (strcmp (value, "FROZEN") != 0)
    return 0;
  /* v1: FREEZING until every task is frozen */
  while (vl_mono_ms () < deadline)
    {
      int fd = open (file, O_RDONLY | O_CLOEXEC);
      ssize_t n = fd < 0 ? -1 : read (fd, buf, sizeof buf - 1);
      if (fd >= 0)
        close (fd);
      if (n <= 0)
        return -1;
      buf[n] = '\0';
      if (strncmp (buf, "FROZEN", 6) == 0)
        return 0;
      sleep_ms (1);
      (void) write_text (file, value);
    }
  errno = ETIMEDOUT;
  return -1;
}

static void
freeze (const struct stop_conf *c, int frozen)
{
  if (c->freeze_file == NULL || c->frozen == NULL || c->thawed == NULL)
    return;
  (void) vl_freeze (c->freeze_file, frozen ? c->frozen : c->thawed);
}

static void
signal_all (const struct stop_conf *c, int sig)
{
  int list[4096], n = pids (c, list, 4096), i;

  for (i = 0; i < n; i++)
    kill (list[i], sig);
}

/* The init, by a pidfd checked against its start time: a dead one's pid, reused, is not hit. Then,
   if the init catches SIG (a PID 1 never dies of one it does not: SigCgt says), up to WAIT_MS for
   it to shut down and exit, as it was asked to: systemd on SIGRTMIN+3, a plain init on SIGINT. */
static int
signal_init (const char *state, int sig, long wait_ms)
{
  struct vl_rec r;
  struct pollfd p;
  uint64_t ticks;
  int pid, pidfd, rc;

  if (vl_state_init (state, &pid, &ticks) < 0)
    return -1;
  pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    return -1;
  memset (&r, 0, sizeof r);
  r.f[0].i = pid;
  r.f[1].u = ticks;
  rc = op_verify_proc (NULL, &r) < 0 ? -1 : (int) syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
  if (rc == 0 && wait_ms > 0 && may_end_on (pid, sig))
    {
      /* a pidfd polls readable once its process has exited */
      p.fd = pidfd, p.events = POLLIN, p.revents = 0;
      while (poll (&p, 1, (int) wait_ms) < 0 && errno == EINTR)
        ;
    }
  close (pidfd);
  return rc;
}

/* The style's stop command: RUN/stop.plan replayed by a child launcher, for at most 30 s. */
static void
stop_command (const struct stop_conf *c, const char *self)
{
  char plan[4200];
  long deadline = vl_mono_ms () + (c->timeout_s > 0 ? c->timeout_s * 1000L : VL_STOP_COMMAND_MS);
  int status;
  pid_t child;

  snprintf (plan, sizeof plan, "%s/stop.plan", c->run);
  child = fork ();
  if (child < 0)
    return;
  if (child == 0)
    {
      int null = open ("/dev/null", O_RDONLY);
      if (null >= 0)
        dup2 (null, 0);
      execl (self, "vserver-launcher", "--replay", plan, "--", "stop", (char *) NULL);
      _exit (127);
    }
  while (vl_mono_ms () < deadline)
    {
      pid_t w = waitpid (child, &status, WNOHANG);
      if (w == child || (w < 0 && errno != EINTR))
        return;
      sleep_ms (10);
    }
  fprintf (stderr, "vserver: the stop command in guest %s did not finish in %ld s (apps/init/timeout.stop); killing the guest\n",
           c->name, (long) (c->timeout_s > 0 ? c->timeout_s : VL_STOP_COMMAND_MS / 1000));
  signal_all (c, SIGKILL);
  waitpid (child, &status, 0);
}

static int
remove_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st;
  (void) ftw;
  if (flag == FTW_DP)
    return rmdir (path) < 0 && errno != ENOENT ? -1 : 0;
  return unlink (path) < 0 && errno != ENOENT ? -1 : 0;
}

/* The run directory and whatever later commands added to it (vlimit's live settings), links
   removed, never followed. */
int
vl_remove_tree (const char *path)
{
  struct stat st;

  if (lstat (path, &st) < 0)
    return errno == ENOENT ? 0 : -1;
  return nftw (path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* RUN/stop, if root's and writable by nobody else (what root runs), parsed into C (TEXT holds it). */
static int
read_stop (const char *run, struct stop_conf *c, char **text)
{
  char path[4200];
  struct stat a, b;

  snprintf (path, sizeof path, "%s/stop", run);
  if (stat (run, &a) < 0 || stat (path, &b) < 0 || a.st_uid != 0 || b.st_uid != 0 || (a.st_mode & 022) || (b.st_mode & 022))
    return -1;
  *text = vl_read_small (path);
  if (*text == NULL || parse (*text, c) < 0)
    return free (*text), -1;
  return 0;
}

/* The guest's monitor (RUN/monitor: "PID STARTTIME"), as a pidfd, or -1: the stop waits for it to
   have gone, so that nothing of the guest is left when the stop returns. */
static int
monitor_pidfd (const char *run)
{
  char path[4200], *text, state;
  unsigned long long want, ticks;
  int pid, fd = -1;

  snprintf (path, sizeof path, "%s/monitor", run);
  text = vl_read_small (path);
  if (text != NULL && sscanf (text, "%d %llu", &pid, &want) == 2 && pid > 0)
    {
      fd = (int) syscall (SYS_pidfd_open, pid, 0);
      if (fd >= 0 && (vl_proc_stat (pid, &state, &ticks) < 0 || ticks != want))
        close (fd), fd = -1;
    }
  free (text);
  return fd;
}

/* What is left once the init has gone: frozen so that nothing forks meanwhile, killed, thawed to
   die; the start's journal undone and the run directory removed. */
static int
finish (const struct stop_conf *c)
{
  int i, list[4096];
  long deadline;

  if (pids (c, list, 4096) > 0)
    {
      freeze (c, 1);
      signal_all (c, SIGKILL);
      freeze (c, 0);
      deadline = vl_mono_ms () + 5000;
      while (pids (c, list, 4096) > 0 && vl_mono_ms () < deadline)
        sleep_ms (2);
    }
  i = vl_journal_undo (c->journal);
  if (vl_remove_tree (c->run) < 0)
    fprintf (stderr, "vserver: guest '%s': removing `%s` failed: %s\n", c->name, c->run, strerror (errno)), i = -1;
  return i < 0 ? -1 : 0;
}

int
vl_stop (const char *run, const char *self)
{
  char *text;
  struct stop_conf c;
  int lock, i, rc, monitor, list[4096];

  if (read_stop (run, &c, &text) < 0)
    return VL_EXIT_NEEDS_JAVA;
  lock = vl_lock_guest (c.lock);
  if (lock < 0)
    {
      fprintf (stderr, "vserver: guest '%s': open(`%s`) failed: %s\n", c.name, c.lock, strerror (errno));
      return 1;
    }
  if (!vl_init_running (c.state))
    return vl_unlock_guest (c.lock, lock), VL_EXIT_NEEDS_JAVA;
  monitor = monitor_pidfd (run);

  freeze (&c, 0); /* sched_pause: a frozen guest could neither run its rc nor die of signals */
  if (c.command)
    stop_command (&c, self);
  else if (c.signal > 0)
    signal_init (c.state, c.signal, (c.timeout_s > 0 ? c.timeout_s : 30) * 1000L);
  for (i = 0; i < c.nkill; i += 2)
    {
      if (pids (&c, list, 4096) == 0)
        break;
      signal_all (&c, c.killseq[i]);
      if (await_end (&c, (i + 1 < c.nkill ? c.killseq[i + 1] : 1) * 1000L, c.killseq[i]))
        break;
    }
  rc = finish (&c) < 0 ? 1 : 0;
  vl_unlock_guest (c.lock, lock);
  if (monitor >= 0)
    {
      /* it saw the init go, found our lock taken and leaves: its console log is complete */
      struct pollfd p = { .fd = monitor, .events = POLLIN };
      while (poll (&p, 1, 5000) < 0 && errno == EINTR)
        ;
      close (monitor);
    }
  return rc;
}

int
vl_stop_dead (const char *run, int pid, unsigned long long ticks)
{
  struct stop_conf c;
  char *text;
  int now;
  uint64_t t;

  if (read_stop (run, &c, &text) < 0)
    return 1;
  if (vl_state_init (c.state, &now, &t) < 0 || now != pid || t != ticks)
    return free (text), 1;
  now = finish (&c);
  free (text);
  return now;
}
