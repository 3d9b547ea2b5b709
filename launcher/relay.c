/* relay.c: PTY_RELAY: a terminal for the guest, relayed to the admin's stdio.
 *
 *   admin stdin  --> relay --> master ==pty== slave: the child's 0/1/2 and controlling tty
 *   admin stdout <-- relay <-- master
 *
 * The pty comes from /dev/ptmx in the *current* mount namespace: the plan puts PTY_RELAY after
 * the setns into the guest's, so it is the guest's devpts instance. The admin's own terminal
 * never reaches the child. The master is non-blocking and input is buffered, so a child that
 * does not read its input cannot block its output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "launcher.h"

#define DRAIN_MS 200 /* after the child exits: how long an idle master may stay open (a daemon
                        that kept the slave) before the relay gives up on more output */

struct relay
{
  int master, sfd;
  pid_t child;
  int status, child_done, master_done, in_eof, out_dead;
  char in[4096]; /* stdin -> master, not yet written */
  size_t in_len;
  int last_in; /* the last byte queued for the master, -1 before any */
};

static struct termios saved_tty;
static int raw_tty = -1;

static void
restore_tty (void)
{
  if (raw_tty >= 0)
    tcsetattr (raw_tty, TCSADRAIN, &saved_tty);
}

static void
copy_winsize (int master)
{
  struct winsize ws;

  if (ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl (master, TIOCSWINSZ, &ws);
}

static void
write_out (struct relay *rl, const char *buf, size_t len)
{
  while (len > 0 && !rl->out_dead)
    {
      ssize_t n = write (STDOUT_FILENO, buf, len);
      if (n < 0 && errno == EAGAIN)
        {
          struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
          poll (&p, 1, -1);
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        rl->out_dead = 1; /* the admin is gone: keep draining the master, drop the output */
      else
        buf += n, len -= n;
    }
}

/* master -> stdout, until EAGAIN; EIO (or EOF) means every slave fd is closed */
static void
pump_master (struct relay *rl)
{
  char buf[8192];

  for (;;)
    {
      ssize_t n = read (rl->master, buf, sizeof buf);
      if (n > 0)
        {
          write_out (rl, buf, n);
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n == 0 || errno != EAGAIN)
        rl->master_done = 1;
      return;
    }
}

/* stdin -> the input buffer; at EOF of a non-terminal stdin, the terminal's EOF character */
static void
pump_stdin (struct relay *rl)
{
  ssize_t n = read (STDIN_FILENO, rl->in + rl->in_len, sizeof rl->in - rl->in_len);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n > 0)
    {
      rl->in_len += n;
      rl->last_in = (unsigned char) rl->in[rl->in_len - 1];
      return;
    }
  rl->in_eof = 1;
  if (raw_tty < 0 && rl->in_len + 2 <= sizeof rl->in)
    {
      struct termios t;
      char veof = tcgetattr (rl->master, &t) == 0 ? (char) t.c_cc[VEOF] : 4;

      /* a pending partial line needs one EOF to be read, and another for end of file */
      if (rl->last_in >= 0 && rl->last_in != '\n')
        rl->in[rl->in_len++] = veof;
      rl->in[rl->in_len++] = veof;
    }
}

/* input buffer -> master, as much as it takes now */
static void
pump_input (struct relay *rl)
{
  ssize_t n = write (rl->master, rl->in, rl->in_len);

  if (n > 0)
    {
      memmove (rl->in, rl->in + n, rl->in_len - n);
      rl->in_len -= n;
    }
  else if (n < 0 && errno != EAGAIN && errno != EINTR)
    rl->in_len = 0, rl->in_eof = 1;
}

static void
on_signal (struct relay *rl)
{
  struct signalfd_siginfo si;

  while (read (rl->sfd, &si, sizeof si) == (ssize_t) sizeof si)
    switch (si.ssi_signo)
      {
      case SIGCHLD:
        if (!rl->child_done && waitpid (rl->child, &rl->status, WNOHANG) == rl->child)
          rl->child_done = 1;
        break;
      case SIGWINCH:
        copy_winsize (rl->master);
        break;
      default: /* SIGTERM, SIGHUP, SIGINT, SIGQUIT: the guest's business */
        kill (rl->child, si.ssi_signo);
        break;
      }
}

/* The parent: relays until the child is gone and the master drained; exits like the child. */
static void __attribute__ ((noreturn))
relay (struct relay *rl, const sigset_t *oldmask)
{
  sigset_t sigs, mask;
  struct termios raw;

  sigemptyset (&sigs);
  sigaddset (&sigs, SIGCHLD);
  sigaddset (&sigs, SIGWINCH);
  sigaddset (&sigs, SIGTERM);
  sigaddset (&sigs, SIGHUP);
  sigaddset (&sigs, SIGINT);
  sigaddset (&sigs, SIGQUIT);
  rl->sfd = signalfd (-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
  if (rl->sfd < 0)
    {
      perror ("vserver-launcher: PTY_RELAY: signalfd");
      kill (rl->child, SIGKILL);
      _exit (VL_EXIT_SETUP);
    }
  mask = *oldmask;
  sigorset (&mask, &mask, &sigs);
  sigprocmask (SIG_SETMASK, &mask, NULL);

  if (isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved_tty) == 0)
    {
      raw = saved_tty;
      cfmakeraw (&raw);
      if (tcsetattr (STDIN_FILENO, TCSANOW, &raw) == 0)
        raw_tty = STDIN_FILENO;
    }
  copy_winsize (rl->master);
  fcntl (rl->master, F_SETFL, fcntl (rl->master, F_GETFL) | O_NONBLOCK);

  while (!(rl->master_done && rl->child_done))
    {
      struct pollfd p[3] = {
        { .fd = rl->master_done ? -1 : rl->master, .events = POLLIN | (rl->in_len ? POLLOUT : 0) },
        { .fd = rl->sfd, .events = POLLIN },
        { .fd = rl->in_eof || rl->child_done || rl->master_done || rl->in_len == sizeof rl->in
                    ? -1
                    : STDIN_FILENO,
          .events = POLLIN },
      };
      int n = poll (p, 3, rl->child_done ? DRAIN_MS : -1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      if (n == 0) /* child gone, master idle: a leftover holder of the slave is not ours to wait for */
        break;
      if (p[1].revents)
        on_signal (rl);
      if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
        pump_master (rl);
      if ((p[0].revents & POLLOUT) && rl->in_len)
        pump_input (rl);
      if (p[2].revents)
        pump_stdin (rl);
    }
  restore_tty ();
  /* the master stays open until the child is reaped: closing it hangs up the slave, and a child
     that closed its stdio before exiting would die of that SIGHUP */
  if (!rl->child_done)
    while (waitpid (rl->child, &rl->status, 0) < 0)
      if (errno != EINTR)
        _exit (VL_EXIT_SETUP);
  close (rl->master);
  vl_exit_like (rl->status);
}

/* PTY_RELAY: posix_openpt(/dev/ptmx); fork: the child makes the slave its controlling tty and
   stdio and runs the rest of the plan; the parent relays stdio <-> master */
int
op_pty_relay (struct vl_ctx *ctx, const struct vl_rec *r)
{
  static struct relay rl = { .last_in = -1 };
  char name[128] = "/dev/ptmx";
  sigset_t all, old;
  int slave;

  (void) r;
  rl.master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (rl.master < 0)
    return vl_fail ("posix_openpt", name);
  if (grantpt (rl.master) < 0)
    return vl_fail ("grantpt", name);
  if (unlockpt (rl.master) < 0)
    return vl_fail ("unlockpt", name);
  /* the peer by fd, not by a path in the guest's /dev/pts */
  slave = ioctl (rl.master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    {
      if (ptsname_r (rl.master, name, sizeof name) != 0)
        return vl_fail ("ptsname", "/dev/ptmx");
      slave = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (slave < 0)
        return vl_fail ("open", name);
    }

  sigfillset (&all);
  sigprocmask (SIG_SETMASK, &all, &old);
  rl.child = fork ();
  if (rl.child < 0)
    {
      int err = errno;
      sigprocmask (SIG_SETMASK, &old, NULL);
      return vl_fail_errno ("fork", NULL, err);
    }
  if (rl.child == 0)
    {
      int fd;

      sigprocmask (SIG_SETMASK, &old, NULL);
      close (rl.master);
      if (setsid () < 0)
        return vl_fail ("setsid", NULL);
      if (ioctl (slave, TIOCSCTTY, 0) < 0)
        return vl_fail ("ioctl(TIOCSCTTY)", "pty slave");
      for (fd = 0; fd < 3; fd++)
        if (dup2 (slave, fd) < 0)
          return vl_failf (errno, "dup2(pty slave, %d)", fd);
      if (slave > 2)
        close (slave);
      else if (fcntl (slave, F_SETFD, 0) < 0) /* dup2 onto itself kept O_CLOEXEC */
        return vl_fail ("fcntl(F_SETFD)", "pty slave");
      return 0;
    }
  close (slave);
  vl_close_channels (ctx);
  relay (&rl, &old);
}
