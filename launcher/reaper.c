/* reaper.c: REAPER: the guest's PID 1 when the guest's own command is not an init.
 *
 * It reaps every child (sysv guests: the rc script exits, its daemons stay and get re-parented
 * here) and exits 0 on SIGTERM, SIGINT, SIGHUP or SIGPWR, which ends the pid namespace. As the
 * namespace's init it only receives signals it has a handler for, hence the empty handlers; the
 * signals are blocked and taken with sigwaitinfo(), so no handler ever runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"

static const int reaper_signals[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGPWR, 0 };

static void
no_op (int sig)
{
  (void) sig;
}

/* The style's start command (the rc) has ended: its exit code (128 + a signal's number) goes to
   the monitor, for a start that waits until the boot is done (launcher/start.c). */
static void
report_booted (int boot, int status)
{
  char text[32];
  int n = snprintf (text, sizeof text, "rc %d", WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status));

  (void) send (boot, text, n, MSG_NOSIGNAL); /* no monitor to tell: nobody waits */
  close (boot);
}

static void __attribute__ ((noreturn))
reap_forever (pid_t rc, int boot)
{
  struct sigaction sa = { .sa_handler = no_op };
  sigset_t sigs;
  int i, sig;

  sigemptyset (&sigs);
  for (i = 0; reaper_signals[i]; i++)
    {
      sigaddset (&sigs, reaper_signals[i]);
      sigaction (reaper_signals[i], &sa, NULL);
    }
  sigprocmask (SIG_SETMASK, &sigs, NULL);
  for (;;)
    {
      sig = sigwaitinfo (&sigs, NULL);
      if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGPWR)
        _exit (0);
      for (;;) /* SIGCHLD: one signal may stand for many */
        {
          int status;
          pid_t w = waitpid (-1, &status, WNOHANG);
          if (w <= 0)
            break;
          if (w == rc && boot >= 0)
            report_booted (boot, status), boot = -1;
        }
    }
}

/* REAPER: fork; the child runs the rest of the plan; the parent stays as a minimal init */
int
op_reaper (struct vl_ctx *ctx, const struct vl_rec *r)
{
  sigset_t all, old;
  pid_t pid;

  (void) r;
  sigfillset (&all);
  sigprocmask (SIG_SETMASK, &all, &old);
  pid = fork ();
  if (pid < 0)
    {
      int err = errno;
      sigprocmask (SIG_SETMASK, &old, NULL);
      return vl_fail_errno ("fork", NULL, err);
    }
  if (pid == 0)
    {
      sigprocmask (SIG_SETMASK, &old, NULL);
      return 0;
    }
  {
    /* the monitor's socket stays ours: the rc's end is reported on it */
    int boot = ctx->console_fd;
    ctx->console_fd = -1;
    vl_close_channels (ctx); /* the child's exec closes its copies: then java sees EOF */
    prctl (PR_SET_NAME, "vserver-init", 0, 0, 0);
    reap_forever (pid, boot);
  }
}
