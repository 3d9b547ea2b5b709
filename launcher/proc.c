/* proc.c: the ops on processes: CLONE (the parent stage and its child), AWAIT (the parent's
 * sync), VERIFY_PROC (pid + start time, so a recycled pid is never trusted).
 *
 *   launcher                         parent (java)
 *   CLONE: PID(step, child)  -->     mode 0: the launcher exits; mode 1: it waits, forwarding signals
 *   AWAIT: SYNC(step, id)    -->
 *                            <--     the same u32 id on fd 3
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"

/* what a waiting parent passes on to its child */
static const int vl_forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, 0 };

static volatile sig_atomic_t vl_child;

void
vl_exit_like (int status)
{
  if (WIFSIGNALED (status))
    _exit (128 + WTERMSIG (status));
  _exit (WEXITSTATUS (status));
}

struct vl_clone_args
{
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/* fork-like clone into new namespaces: clone3, or clone(2) where clone3 is missing (or filtered).
   Behind glibc's back, so in the child glibc's cached tid is the parent's: the child must not use
   raise(), abort() or pthread_kill() (it does not; fork() and exec are fine). */
static pid_t
clone_fork (uint64_t flags)
{
  struct vl_clone_args args = { .flags = flags, .exit_signal = SIGCHLD };
  long pid;

  pid = syscall (SYS_clone3, &args, sizeof args);
  if (pid < 0 && errno == ENOSYS && !(flags & CLONE_NEWTIME))
    pid = syscall (SYS_clone, (unsigned long) flags | SIGCHLD, NULL, NULL, NULL, NULL);
  return pid;
}

static void
forward_signal (int sig)
{
  if (vl_child > 0)
    kill (vl_child, sig);
}

/* Waits for CHILD while forwarding the usual signals to it, then exits with its status. Signals
   are blocked by the caller since the fork, so none is lost before the handlers exist. */
static void
wait_forwarding (pid_t child, const sigset_t *oldmask)
{
  struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
  int status, i;

  vl_child = child;
  for (i = 0; vl_forwarded_signals[i]; i++)
    sigaction (vl_forwarded_signals[i], &sa, NULL);
  sigprocmask (SIG_SETMASK, oldmask, NULL);
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      _exit (VL_EXIT_SETUP);
  vl_exit_like (status);
}

/* CLONE flags mode: clone(flags|SIGCHLD); the child returns and runs the rest of the plan.
   The parent reports PID(child), then mode 0 exits 0, mode 1 waits and exits like the child. */
int
op_clone (struct vl_ctx *ctx, const struct vl_rec *r)
{
  uint64_t flags = r->f[0].u;
  int mode = r->f[1].i;
  sigset_t all, old;
  pid_t pid;
  int gate[2], done[2];
  char c;

  if (mode != 0 && mode != 1)
    return vl_failf (EINVAL, "clone(0x%llx) parent mode %d", (unsigned long long) flags, mode);
  /* The child waits at this gate until the parent has reported PID: otherwise the child's first
     status record (SYNC) could reach java before the pid it refers to. */
  if (pipe2 (gate, O_CLOEXEC) < 0)
    return vl_fail ("pipe2", NULL);
  /* Mode 0: the parent stays until the child has exec'd (or died): EOF on this pipe. Whoever
     started us may treat our exit as the end of the channels (the JDK closes a child's stdin
     when it exits), while the child still awaits acks on them. */
  if (mode == 0 && pipe2 (done, O_CLOEXEC) < 0)
    {
      int err = errno;
      close (gate[0]);
      close (gate[1]);
      return vl_fail_errno ("pipe2", NULL, err);
    }
  sigfillset (&all);
  sigprocmask (SIG_SETMASK, &all, &old);
  pid = clone_fork (flags);
  if (pid < 0)
    {
      int err = errno;
      sigprocmask (SIG_SETMASK, &old, NULL);
      close (gate[0]);
      close (gate[1]);
      if (mode == 0)
        {
          close (done[0]);
          close (done[1]);
        }
      return vl_failf (err, "clone(0x%llx)", (unsigned long long) flags);
    }
  if (pid == 0)
    {
      sigprocmask (SIG_SETMASK, &old, NULL);
      close (gate[1]);
      while (read (gate[0], &c, 1) < 0 && errno == EINTR)
        ;
      close (gate[0]);
      if (mode == 0)
        {
          close (done[0]);
          ctx->exec_gate = done[1];
        }
      /* the journal is the host's side: the guest's init (a REAPER never execs) must not hold it */
      if (ctx->journal_fd >= 0)
        {
          close (ctx->journal_fd);
          ctx->journal_fd = -1;
        }
      return 0;
    }
  close (gate[0]);
  if (vl_status (ctx, VL_STATUS_PID, ctx->step, pid) < 0)
    {
      int err = errno;
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      sigprocmask (SIG_SETMASK, &old, NULL);
      close (gate[1]);
      return vl_fail_errno ("write", "status fd 4", err);
    }
  close (gate[1]); /* opens the gate: EOF */
  if (mode == 0)
    {
      close (done[1]);
      while (read (done[0], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (0);
    }
  vl_close_channels (ctx);
  wait_forwarding (pid, &old);
  return -1; /* not reached */
}

/* AWAIT id: report SYNC(id), then read the same u32 id back from fd 3 */
int
op_await (struct vl_ctx *ctx, const struct vl_rec *r)
{
  uint32_t id = r->f[0].i, ack;
  size_t got = 0;

  if (ctx->mode != VL_MODE_CHANNEL)
    return vl_failf (EINVAL, "await(%u): no parent channel in replay mode", id);
  if (vl_status (ctx, VL_STATUS_SYNC, ctx->step, id) < 0)
    return vl_fail ("write", "status fd 4");
  while (got < sizeof ack)
    {
      ssize_t n = read (VL_PLAN_FD, (char *) &ack + got, sizeof ack - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return vl_fail ("read", "plan fd 3");
      if (n == 0)
        return vl_fail_errno ("read", "plan fd 3", EPIPE);
      got += n;
    }
  if (ack != id)
    return vl_failf (EPROTO, "await(%u): ack %u", id, ack);
  return 0;
}

/* The process PID must be alive (not a zombie) and have started at TICKS (/proc/PID/stat field
   22), else ESRCH: a pid alone may have been recycled. */
static int
check_started (int pid, uint64_t ticks)
{
  char path[64], buf[4096], *p;
  unsigned long long start;
  size_t got = 0;
  int fd, field;

  snprintf (path, sizeof path, "/proc/%d/stat", pid);
  if (pid <= 0)
    return vl_fail_errno ("open", path, ESRCH);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return vl_fail_errno ("open", path, errno == ENOENT ? ESRCH : errno);
  for (;;)
    {
      ssize_t n = read (fd, buf + got, sizeof buf - 1 - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int err = errno;
          close (fd);
          return vl_fail_errno ("read", path, err);
        }
      if (n == 0 || (got += n) == sizeof buf - 1)
        break;
    }
  close (fd);
  buf[got] = '\0';
  /* pid (comm) state ppid ...: comm may hold spaces and ')', so fields count from the last ')' */
  p = strrchr (buf, ')');
  if (p == NULL)
    return vl_failf (EINVAL, "read(`%s`): no ')' in stat", path);
  p++;
  /* A zombie is dead: its pid namespace is gone, only the host's reaper has not collected it. */
  if (p[0] == ' ' && (p[1] == 'Z' || p[1] == 'X'))
    return vl_fail_errno ("open", path, ESRCH);
  for (field = 3; field < 22; field++)
    {
      p += strspn (p, " ");
      p += strcspn (p, " ");
    }
  p += strspn (p, " ");
  errno = 0;
  start = strtoull (p, NULL, 10);
  if (*p < '0' || *p > '9' || errno)
    return vl_failf (EINVAL, "read(`%s`): no starttime", path);
  if (start != ticks)
    return vl_failf (ESRCH, "verify(`%s`): starttime %llu, not %llu", path, start,
                     (unsigned long long) ticks);
  return 0;
}

/* VERIFY_PROC pid ticks: /proc/pid/stat field 22 (starttime) must equal ticks, else ESRCH */
int
op_verify_proc (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  return check_started (r->f[0].i, r->f[1].u);
}

/* SETNS_PID pid ticks nstypes: pidfd_open(pid); check the start time only then, so the pidfd is
   known to name the process that started at ticks (not a recycled pid); setns(pidfd, nstypes)
   joins all those namespaces at once */
static int
setns_pid (int pid, uint64_t ticks, uint64_t nstypes)
{
  char what[32];
  int pidfd;

  snprintf (what, sizeof what, "pid %d", pid);
  if (nstypes > INT32_MAX)
    return vl_fail_errno ("setns", what, EINVAL);
  pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    return vl_fail ("pidfd_open", what);
  if (check_started (pid, ticks) < 0)
    {
      close (pidfd);
      return -1;
    }
  if (setns (pidfd, (int) nstypes) < 0)
    {
      int err = errno;
      close (pidfd);
      return vl_fail_errno ("setns", what, err);
    }
  close (pidfd);
  return 0;
}

int
op_setns_pid (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  return setns_pid (r->f[0].i, r->f[1].u, r->f[2].u);
}

/* The init a run state file names (init.pid=, init.starttime=); ESRCH if there is none: the guest
   is not running, so an exec plan that refers to it is stale like one whose init died. */
int
vl_state_init (const char *path, int *pid, uint64_t *ticks)
{
  char buf[4096], *p;
  ssize_t n;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

  if (fd < 0)
    return vl_fail_errno ("open", path, errno == ENOENT ? ESRCH : errno);
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n < 0)
    return vl_fail ("read", path);
  buf[n] = '\0';
  *pid = 0;
  *ticks = 0;
  if ((p = strstr (buf, "init.pid=")) != NULL)
    *pid = atoi (p + 9);
  if ((p = strstr (buf, "init.starttime=")) != NULL)
    *ticks = strtoull (p + 15, NULL, 10);
  if (*pid <= 0)
    return vl_fail_errno ("read", path, ESRCH);
  return 0;
}

int
vl_init_running (const char *state)
{
  uint64_t ticks;
  int pid;

  return vl_state_init (state, &pid, &ticks) == 0 && check_started (pid, ticks) == 0;
}

/* VERIFY_INIT state: VERIFY_PROC of the init the run state names now */
int
op_verify_init (struct vl_ctx *ctx, const struct vl_rec *r)
{
  uint64_t ticks;
  int pid;

  (void) ctx;
  if (vl_state_init (r->f[0].s, &pid, &ticks) < 0)
    return -1;
  return check_started (pid, ticks);
}

/* SETNS_INIT state nstypes: SETNS_PID of the init the run state names now */
int
op_setns_init (struct vl_ctx *ctx, const struct vl_rec *r)
{
  uint64_t ticks;
  int pid;

  (void) ctx;
  if (vl_state_init (r->f[0].s, &pid, &ticks) < 0)
    return -1;
  return setns_pid (pid, ticks, r->f[1].u);
}
