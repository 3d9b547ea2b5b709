/* main.c: vserver-launcher: executes a plan that Java decided (protocol.h).
 *
 *   vserver-launcher                              started by Java: fd 3 = plan + acks, fd 4 = status
 *   vserver-launcher --dry-run PLAN               print the plan as text, touch nothing
 *   vserver-launcher --replay PLAN -- CMD ARGS..  execute a plan file; EXEC_ARGV runs CMD ARGS
 *   vserver-launcher --version                    the protocol version
 */
#define _GNU_SOURCE
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "launcher.h"

#define VL_EXIT_FAIL  127 /* channel mode: FAIL was reported on fd 4 */
#define VL_EXIT_USAGE 2

static void __attribute__ ((noreturn))
usage (void)
{
  fputs ("usage: vserver-launcher                 (started by vserver: fd 3 = plan, fd 4 = status)\n"
         "       vserver-launcher --stdio-channels   (the same with plan on 0, status on 1, output on 2)\n"
         "       vserver-launcher --dry-run PLAN\n"
         "       vserver-launcher --replay PLAN -- CMD [ARGS...]\n"
         "       vserver-launcher --start DIR [--locked] (a guest's cached plan: doc/plan-cache.md)\n"
         "       vserver-launcher --check DIR          (is that plan current?)\n"
         "       vserver-launcher --stop RUN           (a guest started from its plan)\n"
         "       vserver-launcher --status RUN\n"
         "       vserver-launcher --undo JOURNAL\n"
         "       vserver-launcher --console SOCKET NAME  (attach to a guest's console: RUN/console)\n"
         "       vserver-launcher --version\n",
         stderr);
  exit (VL_EXIT_USAGE);
}

static const char *
errno_name (int err)
{
  const char *name = strerrorname_np (err);
  return name ? name : "E?";
}

/* Loads and decodes PATH; prints the problem and returns -1 if it is no valid plan. */
static int
load (const char *path, struct vl_plan *plan)
{
  char err[256];
  unsigned char *buf;
  uint32_t bad_step;
  size_t len;

  buf = vl_plan_load (path, &len, err, sizeof err);
  if (buf != NULL && vl_plan_decode (buf, len, plan, &bad_step, err, sizeof err) == 0)
    return 0;
  if (buf == NULL || bad_step == VL_STEP_HEADER)
    fprintf (stderr, "vserver-launcher: %s: invalid plan: %s\n", path, err);
  else
    fprintf (stderr, "vserver-launcher: %s: invalid plan: record %u: %s\n", path, bad_step, err);
  return -1;
}

static int
dry_run (const char *path)
{
  struct vl_plan plan;

  if (load (path, &plan) < 0)
    return VL_EXIT_USAGE;
  vl_plan_print (&plan, stdout);
  if (fflush (stdout) != 0 || ferror (stdout))
    return 1;
  return 0;
}

static void clean_signals (void);

static void __attribute__ ((noreturn))
replay (char **argv)
{
  struct vl_ctx ctx = { .mode = VL_MODE_REPLAY, .cmd = argv + 4, .exec_gate = -1, .root_fd = -1, .journal_fd = -1, .console_fd = -1 };
  struct vl_plan plan;
  const struct vl_rec *r;

  vl_seal_self (argv);
  clean_signals ();
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* a run directory removed meanwhile (the guest's monitor undid its start): the guest is gone */
  if (access (argv[2], F_OK) < 0 && errno == ENOENT)
    _exit (VL_EXIT_STALE);
  if (load (argv[2], &plan) < 0)
    _exit (access (argv[2], F_OK) < 0 && errno == ENOENT ? VL_EXIT_STALE : VL_EXIT_SETUP);
  if (vl_run (&ctx, &plan) == 0)
    {
      fprintf (stderr, "vserver-launcher: the plan ended without EXEC\n");
      _exit (VL_EXIT_SETUP);
    }
  r = &plan.rec[ctx.step];
  if ((r->op == VL_OP_VERIFY_PROC || r->op == VL_OP_SETNS_PID || r->op == VL_OP_VERIFY_INIT || r->op == VL_OP_SETNS_INIT)
      && vl_last_error.err == ESRCH)
    _exit (VL_EXIT_STALE);
  fprintf (stderr, "vserver-launcher: step %u %s: %s failed: %s (%s)\n", ctx.step, r->name,
           vl_last_error.call, strerror (vl_last_error.err), errno_name (vl_last_error.err));
  _exit (VL_EXIT_SETUP);
}

/* Whoever started us (a JVM through posix_spawn, a shell) may have blocked or ignored signals;
   the guest's processes start from the kernel's defaults. */
static void
clean_signals (void)
{
  sigset_t none;
  int sig;

  for (sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal (sig, SIG_DFL);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
}

/* DETAIL(step, what failed), then FAIL(step, err): Java names the failing call as we made it. */
static void __attribute__ ((noreturn))
fail (struct vl_ctx *ctx, uint32_t step, int err, const char *detail)
{
  vl_status_detail (ctx, step, detail);
  vl_status (ctx, VL_STATUS_FAIL, step, err);
  _exit (VL_EXIT_FAIL);
}

static void __attribute__ ((noreturn))
channel (char **argv)
{
  struct vl_ctx ctx = { .mode = VL_MODE_CHANNEL, .exec_gate = -1, .root_fd = -1, .journal_fd = -1, .console_fd = -1 };
  struct vl_plan plan;
  unsigned char *buf;
  uint32_t bad_step;
  char err[256], detail[300];
  size_t len;

  if (fcntl (VL_PLAN_FD, F_GETFD) < 0 || fcntl (VL_STATUS_FD, F_GETFD) < 0)
    {
      fputs ("vserver-launcher: fd 3 (plan) and fd 4 (status) are not open\n", stderr);
      usage ();
    }
  vl_seal_self (argv); /* before O_CLOEXEC: the channels must survive the re-exec */
  clean_signals ();
  if (fcntl (VL_PLAN_FD, F_SETFD, FD_CLOEXEC) < 0 || fcntl (VL_STATUS_FD, F_SETFD, FD_CLOEXEC) < 0)
    _exit (VL_EXIT_FAIL);
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    fail (&ctx, VL_STEP_HEADER, errno, "prctl(PR_SET_DUMPABLE, 0)");
  if (vl_status (&ctx, VL_STATUS_ALIVE, 0, getpid ()) < 0)
    _exit (VL_EXIT_FAIL);

  /* an invalid plan is a bug between Java and C: FAIL says where, stderr says what */
  buf = vl_plan_read (VL_PLAN_FD, &len, err, sizeof err);
  if (buf == NULL)
    {
      int e = errno;
      fprintf (stderr, "vserver-launcher: invalid plan: %s\n", err);
      snprintf (detail, sizeof detail, "decode(%s)", err);
      fail (&ctx, VL_STEP_HEADER, e, detail);
    }
  if (vl_plan_decode (buf, len, &plan, &bad_step, err, sizeof err) < 0)
    {
      fprintf (stderr, "vserver-launcher: invalid plan: record %d: %s\n", (int) bad_step, err);
      if (bad_step == VL_STEP_HEADER)
        snprintf (detail, sizeof detail, "decode(%s)", err);
      else
        snprintf (detail, sizeof detail, "decode(record %u: %s)", bad_step, err);
      fail (&ctx, bad_step, EINVAL, detail);
    }
  if (vl_run (&ctx, &plan) == 0) /* success is an EXEC closing fd 4, never the plan's end */
    fail (&ctx, plan.count, ENOEXEC, "execve(): the plan has no EXEC");
  fail (&ctx, ctx.step, vl_last_error.err, vl_last_error.call);
}
/* --stdio-channels: java's ProcessBuilder can hand over only fds 0, 1 and 2. The plan arrives on
   0, status records leave on 1, and 2 is a host file for our output. Move the channels to 3 and 4,
   give the plan /dev/null and that file as stdio (a start plan's OPEN_STDIO then gives the init its
   own console), and go on as if started with fds 3 and 4. */
static void __attribute__ ((noreturn))
stdio_channels (char **argv)
{
  char *plain[] = { (char *) "vserver-init", NULL }; /* no host path in the guest's ps */
  int null;

  (void) argv;

  if (dup2 (0, VL_PLAN_FD) < 0 || dup2 (1, VL_STATUS_FD) < 0)
    _exit (VL_EXIT_FAIL);
  null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || dup2 (null, 0) < 0 || dup2 (2, 1) < 0)
    _exit (VL_EXIT_FAIL);
  if (null > 2)
    close (null);
  channel (plain);
}


int
main (int argc, char **argv)
{
  if (argc == 1)
    channel (argv);
  if (argc == 2 && strcmp (argv[1], "--stdio-channels") == 0)
    stdio_channels (argv);
  if (argc == 2 && strcmp (argv[1], "--version") == 0)
    {
      printf ("vserver-launcher protocol %d build %s\n", VL_VERSION, vl_build_id);
      return 0;
    }
  if ((argc == 3 || (argc == 4 && strcmp (argv[3], "--locked") == 0)) && strcmp (argv[1], "--start") == 0)
    {
      vl_seal_self (argv);
      clean_signals ();
      prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
      return vl_start (argv[2], argc == 4 ? VL_START_LOCKED : 0, argv);
    }
  if (argc == 3 && strcmp (argv[1], "--stop") == 0)
    {
      /* not sealed: this process never enters the guest; the stop command's launcher is a new one */
      char self[4096];
      ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
      if (n < 0)
        return 1;
      self[n] = '\0';
      clean_signals ();
      return vl_stop (argv[2], self);
    }
  if (argc == 3 && strcmp (argv[1], "--status") == 0)
    return vl_status_print (argv[2]);
  if (argc == 3 && strcmp (argv[1], "--check") == 0)
    return vl_start (argv[2], VL_START_CHECK, NULL);
  if (argc == 4 && strcmp (argv[1], "--console") == 0)
    return vl_attach (argv[2], argv[3]);
  if (argc == 3 && strcmp (argv[1], "--undo") == 0)
    return vl_journal_undo (argv[2]) < 0 ? 1 : 0;
  if (argc == 3 && strcmp (argv[1], "--dry-run") == 0)
    return dry_run (argv[2]);
  if (argc >= 5 && strcmp (argv[1], "--replay") == 0 && strcmp (argv[3], "--") == 0)
    replay (argv);
  usage ();
}
