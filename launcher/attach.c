/* attach.c: `vserver-launcher --console SOCKET`: the admin's terminal on a guest's console.
 *
 * SOCKET is RUN/console, served by the guest's monitor (monitor.c). What the console says comes
 * as bytes; what the admin types goes as frames (u8 type, u8 0, u16 length big-endian, bytes):
 * 'd' input, 'w' the window size (rows, columns), sent at the start and on every SIGWINCH. On a
 * terminal, stdin is raw (the guest's getty and shell do the echoing) and Ctrl-] detaches, as in
 * telnet and virsh; the guest runs on. Without one (a script), stdin is sent until its end and the
 * output printed until the guest stops. The socket is root's (0700 in root's run directory).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "launcher.h"

#define DETACH 0x1d /* Ctrl-] */

static int
send_frame (int sock, char type, const unsigned char *data, size_t len)
{
  unsigned char f[4 + 4096];

  if (len > 4096)
    len = 4096;
  f[0] = (unsigned char) type, f[1] = 0, f[2] = (unsigned char) (len >> 8), f[3] = (unsigned char) len;
  memcpy (f + 4, data, len);
  return send (sock, f, 4 + len, MSG_NOSIGNAL) == (ssize_t) (4 + len) ? 0 : -1;
}

static void
send_size (int sock)
{
  struct winsize ws;
  unsigned char d[4];

  if (ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
    return;
  d[0] = ws.ws_row >> 8, d[1] = ws.ws_row & 0xff, d[2] = ws.ws_col >> 8, d[3] = ws.ws_col & 0xff;
  send_frame (sock, 'w', d, 4);
}

static int
write_all (int fd, const char *buf, size_t n)
{
  while (n > 0)
    {
      ssize_t w = write (fd, buf, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return -1;
      buf += w, n -= w;
    }
  return 0;
}

int
vl_attach (const char *path, const char *name)
{
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  struct termios saved, raw;
  int sock, tty = isatty (STDIN_FILENO), in_open = 1, rc = 0, sig;
  sigset_t winch;
  char buf[4096];

  if ((size_t) snprintf (a.sun_path, sizeof a.sun_path, "%s", path) >= sizeof a.sun_path)
    {
      fprintf (stderr, "vserver: guest '%s': connect(`%s`) failed: the path is too long for a socket\n", name, path);
      return 1;
    }
  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || connect (sock, (struct sockaddr *) &a, sizeof a) < 0)
    {
      int err = errno;
      fprintf (stderr, "vserver: guest '%s': connect(`%s`) failed: %s (%s)", name, path, strerror (err),
               strerrorname_np (err) ? strerrorname_np (err) : "E?");
      if (err == ENOENT || err == ECONNREFUSED)
        fprintf (stderr, ": is it running? `vserver %s log` shows what its console said", name);
      fputc ('\n', stderr);
      return 1;
    }
  sigemptyset (&winch);
  sigaddset (&winch, SIGWINCH);
  sigprocmask (SIG_BLOCK, &winch, NULL);
  sig = signalfd (-1, &winch, SFD_CLOEXEC);
  if (tty && tcgetattr (STDIN_FILENO, &saved) == 0)
    {
      fprintf (stderr, "vserver: the console of guest '%s'; Ctrl-] detaches\r\n", name);
      raw = saved;
      cfmakeraw (&raw);
      tcsetattr (STDIN_FILENO, TCSADRAIN, &raw);
      send_size (sock);
    }
  else
    tty = 0;
  for (;;)
    {
      struct pollfd p[3] = { { .fd = sock, .events = POLLIN }, { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
                             { .fd = sig, .events = POLLIN } };
      ssize_t n;

      if (poll (p, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          n = read (sock, buf, sizeof buf);
          if (n <= 0)
            {
              if (tty)
                tcsetattr (STDIN_FILENO, TCSADRAIN, &saved);
              fprintf (stderr, "%svserver: guest '%s' stopped: its console is closed\n", tty ? "\r\n" : "", name);
              return 0;
            }
          if (write_all (STDOUT_FILENO, buf, n) < 0)
            {
              rc = 1;
              break;
            }
        }
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
        {
          n = read (STDIN_FILENO, buf, sizeof buf);
          if (n <= 0)
            in_open = 0; /* a script's input ended: its output goes on until the guest stops */
          else
            {
              char *d = tty ? memchr (buf, DETACH, n) : NULL;
              if (d != NULL)
                n = d - buf;
              if (n > 0 && send_frame (sock, 'd', (unsigned char *) buf, n) < 0)
                break;
              if (d != NULL)
                break;
            }
        }
      if (p[2].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sig, &si, sizeof si) == sizeof si && tty)
            send_size (sock);
        }
    }
  if (tty)
    tcsetattr (STDIN_FILENO, TCSADRAIN, &saved);
  fprintf (stderr, "%svserver: detached from the console of guest '%s'; it runs on\n", tty ? "\r\n" : "", name);
  return rc;
}
