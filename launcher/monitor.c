/* monitor.c: MONITOR and CONSOLE: the guest's console and the host process that holds it.
 *
 * systemd's Container Interface wants /dev/console to be a terminal, and an admin wants to type on
 * it and to read what the guest said after it stopped. So the console is a pty of the guest's own
 * devpts (no host pty is bound in), and one small host process per guest, the monitor, holds its
 * master for as long as the init lives:
 *
 *   caller (java's launcher, or --start's worker)       exits with the code of the plan's runner
 *    `- monitor   setsid, child subreaper, in the caller's cgroups (MONITOR runs before the host
 *        |        steps join the guest's): a guest's kill sequence, freezer or OOM never hits it
 *        `- runner       the rest of the plan; CLONE's parent, gone once the init has exec'd
 *            `- init     CONSOLE sends the master here; then reparented to the monitor
 *
 * The monitor appends everything the console says to the log (LOG, moved to LOG.1 once it holds
 * LOGSIZE bytes: at most twice that on disk, whatever the guest writes; read at CONSOLE_RATE at
 * most, so a flood costs the host, whose CPU the monitor spends, little), serves RUN/console
 * (a unix socket only root can connect to) to `vserver NAME console`, and reaps the init. When the
 * init has gone, a command holding the guest's lock (a stop, a start) is already seeing to it;
 * otherwise the guest ended by itself: the monitor undoes its start as --stop would, and if the
 * init died of SIGHUP, which is how the kernel ends a pid namespace whose init called reboot(2)
 * (`systemctl reboot`; SIGINT is poweroff and halt), starts it again with `CLI NAME start`.
 *
 * It keeps a peer of the pty open itself: with none open, the master polls POLLHUP for ever.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/reboot.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"

#define MAX_CLIENTS 8
/* bytes per second the console is read at most: 2 MiB/s, far above any boot's output */
#define CONSOLE_RATE (2L << 20)
/* a client's frame: u8 type, u8 0, u16 length (big-endian), then the bytes: 'd' input for the
   console, 'w' its window size (u16 rows, u16 columns) */
#define FRAME_MAX 4096

struct client
{
  int fd;
  size_t len;
  unsigned char buf[4 + FRAME_MAX];
};

enum intent
{
  NONE,
  REBOOT,
  POWEROFF
};

struct monitor
{
  const char *run, *log, *lock, *cli, *name;
  uint64_t logsize, logged;
  int log_dir, log_fd, master, peer, listen_fd, con, notify;
  int lxcfs;                      /* a pidfd of the lxcfs serving the guest's views; -1 */
  int steer_link, steer_addrs;    /* STEER's link, held while the guest runs, and its ADDRS map; -1 */
  uint32_t steer_xid;
  int steer_naddrs;
  unsigned char (*steer_keys)[16];
  int lxcfs_pid;
  unsigned long long lxcfs_ticks;
  enum intent intent; /* what the guest asked for with reboot(2) */
  char log_base[256];
  struct client clients[MAX_CLIENTS];
};

/* now, as the log's lines say it: 2026-12-07 13:16:50 UTC */
static void
now_text (char *buf, size_t len)
{
  struct tm tm;
  time_t t = time (NULL);

  if (gmtime_r (&t, &tm) == NULL || strftime (buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
    snprintf (buf, len, "%lld", (long long) t);
}

/* LOG's directory made (the guest's own one 0700: its console is nobody else's to read), held by
   fd, and LOG opened for appending in it, never through a link. */
static void
open_log (struct monitor *m)
{
  char dir[4096], *slash, *p;
  struct stat st;

  if (m->log[0] != '/' || strlen (m->log) >= sizeof dir)
    return;
  snprintf (dir, sizeof dir, "%s", m->log);
  slash = strrchr (dir, '/');
  snprintf (m->log_base, sizeof m->log_base, "%s", slash + 1);
  *slash = '\0';
  for (p = dir + 1; (p = strchr (p, '/')) != NULL; p++)
    {
      *p = '\0';
      mkdir (dir, 0755);
      *p = '/';
    }
  mkdir (dir, 0700);
  m->log_dir = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (m->log_dir < 0)
    return;
  m->log_fd = openat (m->log_dir, m->log_base, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  m->logged = m->log_fd >= 0 && fstat (m->log_fd, &st) == 0 ? (uint64_t) st.st_size : 0;
}

/* Appends to the log; one that would grow past LOGSIZE becomes LOG.1 (the one before is dropped). */
static void
log_write (struct monitor *m, const char *buf, size_t n)
{
  if (m->log_fd < 0)
    return;
  if (m->logged > 0 && m->logged + n > m->logsize)
    {
      char old[300];
      snprintf (old, sizeof old, "%s.1", m->log_base);
      renameat (m->log_dir, m->log_base, m->log_dir, old);
      close (m->log_fd);
      m->log_fd = openat (m->log_dir, m->log_base, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
      m->logged = 0;
      if (m->log_fd < 0)
        return;
    }
  while (n > 0)
    {
      ssize_t w = write (m->log_fd, buf, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return;
      m->logged += w, buf += w, n -= w;
    }
}

static void
say (struct monitor *m, const char *what)
{
  char line[512], when[64];
  int n;

  now_text (when, sizeof when);
  n = snprintf (line, sizeof line, "\r\n[vserver: guest %s %s at %s]\r\n", m->name, what, when);
  log_write (m, line, n > 0 && (size_t) n < sizeof line ? (size_t) n : 0);
}

static void
drop_client (struct client *c)
{
  close (c->fd);
  c->fd = -1;
  c->len = 0;
}

/* The console's output: to the log, and to every client that keeps up (one that does not misses
   what its socket cannot take: the guest never waits for an admin's terminal). */
static void
console_output (struct monitor *m, const char *buf, size_t n)
{
  log_write (m, buf, n);
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (m->clients[i].fd >= 0 && send (m->clients[i].fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN)
      drop_client (&m->clients[i]);
}

/* A client's frames: input for the guest (dropped if the pty's input queue is full), its window size. */
static void
client_input (struct monitor *m, struct client *c)
{
  ssize_t n = recv (c->fd, c->buf + c->len, sizeof c->buf - c->len, MSG_DONTWAIT);
  size_t len;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    return drop_client (c);
  c->len += n;
  while (c->len >= 4)
    {
      len = (size_t) c->buf[2] << 8 | c->buf[3];
      if (len > FRAME_MAX)
        return drop_client (c);
      if (c->len < 4 + len)
        return;
      if (c->buf[0] == 'd')
        {
          ssize_t ignored = write (m->master, c->buf + 4, len);
          (void) ignored;
        }
      else if (c->buf[0] == 'w' && len == 4)
        {
          struct winsize ws = { .ws_row = (unsigned short) (c->buf[4] << 8 | c->buf[5]),
                                .ws_col = (unsigned short) (c->buf[6] << 8 | c->buf[7]) };
          ioctl (m->master, TIOCSWINSZ, &ws);
        }
      else
        return drop_client (c);
      memmove (c->buf, c->buf + 4 + len, c->len - 4 - len);
      c->len -= 4 + len;
    }
}

/* RUN/console: a stream socket only root can connect to (umask 077, in root's run directory). */
static void
listen_console (struct monitor *m, ino_t *ino)
{
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  struct stat st;
  int fd;

  if ((size_t) snprintf (a.sun_path, sizeof a.sun_path, "%s/console", m->run) >= sizeof a.sun_path)
    {
      say (m, "has no console socket: its run directory's path is too long for one");
      return;
    }
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return;
  if (bind (fd, (struct sockaddr *) &a, sizeof a) < 0 || listen (fd, MAX_CLIENTS) < 0 || fstat (fd, &st) < 0)
    {
      close (fd);
      return;
    }
  if (lstat (a.sun_path, &st) == 0)
    *ino = st.st_ino;
  m->listen_fd = fd;
}

/* Removes RUN/NAME if it is still the inode we made (a later start may have made its own). */
static void
unlink_ours (const struct monitor *m, const char *name, ino_t ino)
{
  char path[4200];
  struct stat st;

  snprintf (path, sizeof path, "%s/%s", m->run, name);
  if (ino != 0 && lstat (path, &st) == 0 && st.st_ino == ino)
    unlink (path);
}

/* RUN/booted: the exit code of the style's start command (the rc), which a start waits for. */
static void
booted (const struct monitor *m, const char *code)
{
  char path[4200], tmp[4200];
  int fd;

  snprintf (path, sizeof path, "%s/booted", m->run);
  snprintf (tmp, sizeof tmp, "%s/.booted", m->run);
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  if (write (fd, code, strlen (code)) < 0 || close (fd) < 0 || rename (tmp, path) < 0)
    unlink (tmp);
}

/* RUN/monitor: our pid and start time, which a stop waits on. */
static ino_t
record_self (const struct monitor *m)
{
  char path[4200], text[64];
  unsigned long long ticks;
  struct stat st;
  char state;
  int fd, n;

  snprintf (path, sizeof path, "%s/monitor", m->run);
  if (vl_proc_stat (getpid (), &state, &ticks) < 0)
    return 0;
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return 0;
  n = snprintf (text, sizeof text, "%d %llu\n", getpid (), ticks);
  if (write (fd, text, n) != n || fstat (fd, &st) < 0)
    st.st_ino = 0;
  close (fd);
  return st.st_ino;
}

static int receive (int sock, int *pid, char *text, size_t max, ssize_t *len);

/* An fd sent by CONSOLE (the master) or REBOOT_NOTIFY (the listener), and the sender's pid (its
   credentials, in our numbers: the init's); -1: the start failed before, or the sender is gone. */
static int
receive_fd (int sock, int *pid)
{
  char text[8];
  return receive (sock, pid, text, sizeof text, NULL);
}

/* One message of the init's: its fd (-1: none), TEXT (NUL-terminated), *LEN its length (-1: end). */
static int
receive (int sock, int *pid, char *text, size_t max, ssize_t *len)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int)) + CMSG_SPACE (sizeof (struct ucred))];
    struct cmsghdr align;
  } u;
  struct iovec iov = { .iov_base = text, .iov_len = max - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  int fd = -1;
  ssize_t n;

  while ((n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
    ;
  text[n > 0 ? n : 0] = '\0';
  if (len != NULL)
    *len = n > 0 ? n : -1;
  if (n <= 0)
    return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      memcpy (&fd, CMSG_DATA (c), sizeof fd);
    else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
      {
        struct ucred cred;
        memcpy (&cred, CMSG_DATA (c), sizeof cred);
        *pid = cred.pid;
      }
  return fd;
}

/* 1 if process PID's effective capabilities hold CAP (/proc/PID/status CapEff). */
static int
has_cap (int pid, int cap)
{
  char path[64], *text, *line;
  unsigned long long eff = 0;
  int found = 0;

  snprintf (path, sizeof path, "/proc/%d/status", pid);
  text = vl_read_small (path);
  if (text != NULL && (line = strstr (text, "\nCapEff:\t")) != NULL)
    found = sscanf (line + 9, "%llx", &eff) == 1;
  free (text);
  return found && (eff >> cap & 1);
}

/* A reboot(2) of the guest, stopped by REBOOT_NOTIFY's filter: answered as the kernel answers it
   in a pid namespace (EPERM without CAP_SYS_BOOT, EINVAL for a command other than restart, power
   off or halt), and for those three the init is killed, which ends the guest as the kernel's
   SIGHUP or SIGINT would have; the monitor remembers which it was. The kernel would refuse a guest
   in a user namespace, whose pid namespace the host's user namespace owns: no CAP_SYS_BOOT there. */
static void
on_reboot (struct monitor *m, int init)
{
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  unsigned cmd;

  memset (&req, 0, sizeof req);
  if (ioctl (m->notify, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
    {
      if (errno != EINTR && errno != ENOENT)
        close (m->notify), m->notify = -1;
      return;
    }
  memset (&resp, 0, sizeof resp);
  resp.id = req.id;
  cmd = (unsigned) req.data.args[2];
  if (req.data.nr != __NR_reboot)
    resp.error = -ENOSYS;
  else if (!has_cap ((int) req.pid, 22 /* CAP_SYS_BOOT */) || ioctl (m->notify, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) < 0)
    resp.error = -EPERM;
  else if (cmd == LINUX_REBOOT_CMD_RESTART || cmd == LINUX_REBOOT_CMD_RESTART2)
    m->intent = REBOOT;
  else if (cmd == LINUX_REBOOT_CMD_POWER_OFF || cmd == LINUX_REBOOT_CMD_HALT)
    m->intent = POWEROFF;
  else
    resp.error = -EINVAL;
  if (resp.error == 0)
    kill (init, SIGKILL); /* our child: its pid is not reused before we reap it */
  ioctl (m->notify, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* The init has gone (STATUS): what it said is logged, the clients are let go; then, unless a
   command holds the guest's lock, the start is undone and a reboot starts the guest again. */
/* The guest's addresses out of the shared ADDRS map, and the link let go (steer.c). */
static void
steer_release (struct monitor *m)
{
  if (m->steer_addrs >= 0)
    vl_steer_forget (m->steer_addrs, m->steer_xid, m->steer_keys, m->steer_naddrs), close (m->steer_addrs);
  if (m->steer_link >= 0)
    close (m->steer_link);
  m->steer_addrs = m->steer_link = -1;
}

static void __attribute__ ((noreturn))
ended (struct monitor *m, int status, int init, unsigned long long ticks, ino_t sock, ino_t self)
{
  char buf[4096];
  ssize_t n;
  int lock, reboot = m->intent == REBOOT || (m->intent == NONE && WIFSIGNALED (status) && WTERMSIG (status) == SIGHUP);
  int poweroff = m->intent == POWEROFF || (m->intent == NONE && WIFSIGNALED (status) && WTERMSIG (status) == SIGINT);

  while ((n = read (m->master, buf, sizeof buf)) > 0)
    console_output (m, buf, n);
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (m->clients[i].fd >= 0)
      drop_client (&m->clients[i]);
  if (m->listen_fd >= 0)
    close (m->listen_fd), unlink_ours (m, "console", sock);
  say (m, reboot ? "rebooted" : poweroff ? "powered off" : "stopped");
  steer_release (m); /* before a reboot's start enters them again */
  lock = vl_try_lock_guest (m->lock);
  if (lock < 0)
    _exit (0); /* a stop (or a start cleaning up after it) holds it and sees to the rest */
  unlink_ours (m, "monitor", self);
  vl_stop_dead (m->run, init, ticks);
  vl_unlock_guest (m->lock, lock);
  if (reboot && m->cli[0] != '\0' && m->log_fd >= 0)
    {
      /* what the start says goes to the console log */
      dup2 (m->log_fd, 1), dup2 (m->log_fd, 2);
      execl (m->cli, m->cli, m->name, "start", (char *) NULL);
      snprintf (buf, sizeof buf, "execve(`%s`) failed: %s", m->cli, strerror (errno));
      say (m, buf);
    }
  _exit (0);
}

/* lxcfs died: its files answer ENOTCONN now. The guest's mounts of them are detached (in a child
   that joins its mount namespace), so it reads the host's figures rather than failing; RUN/lxcfs.lost
   tells status. A new lxcfs (the next start) serves the guests started after it. */
static void
lxcfs_lost (struct monitor *m, int init)
{
  char text[256], path[PATH_MAX];
  int status = 0, n, fd;
  pid_t pid;

  close (m->lxcfs), m->lxcfs = -1;
  pid = fork ();
  if (pid == 0)
    _exit (vl_lxcfs_detach (init) < 0 ? 1 : 0);
  if (pid > 0)
    while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
      ;
  n = pid > 0 && WIFEXITED (status) && WEXITSTATUS (status) == 0;
  snprintf (text, sizeof text, "lxcfs (pid %d) exited: %s", m->lxcfs_pid,
            n ? "its views were unmounted, the guest sees the host's figures until it is restarted"
              : "its views could not be unmounted: reads of them fail (ENOTCONN) until the guest is restarted");
  say (m, text);
  snprintf (path, sizeof path, "%s/lxcfs.lost", m->run);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0)
    {
      char line[300];
      int len = snprintf (line, sizeof line, "%d %s\n", m->lxcfs_pid, n ? "unmounted" : "failed");
      if (write (fd, line, (size_t) len) < 0)
        { /* status then says less; nothing else to do */ }
      close (fd);
    }
}

static void __attribute__ ((noreturn))
monitor_run (struct monitor *m, int con, int sig)
{
  struct signalfd_siginfo si;
  unsigned long long ticks = 0;
  char state, buf[4096];
  int init = 0, status, nclients;
  long window = 0, taken = 0;
  ino_t sock = 0, self;
  pid_t w;

  for (int i = 0; i < MAX_CLIENTS; i++)
    m->clients[i].fd = -1;
  m->master = receive_fd (con, &init);
  m->con = con; /* REBOOT_NOTIFY's listener comes later, on the same socket */
  if (m->master < 0 || init <= 0)
    {
      steer_release (m);
      _exit (0); /* the start failed: its runner said why */
    }
  if (vl_proc_stat (init, &state, &ticks) < 0)
    ticks = 0;
  m->peer = ioctl (m->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  fcntl (m->master, F_SETFL, O_NONBLOCK);
  open_log (m);
  say (m, "started");
  if (m->lxcfs_pid > 0)
    {
      /* followed by a pidfd, checked against its start time (a reused pid is not it) */
      unsigned long long t = 0;
      m->lxcfs = (int) syscall (SYS_pidfd_open, m->lxcfs_pid, 0);
      if (m->lxcfs >= 0 && (vl_proc_stat (m->lxcfs_pid, &state, &t) < 0 || t != m->lxcfs_ticks))
        close (m->lxcfs), m->lxcfs = -1;
    }
  listen_console (m, &sock);
  self = record_self (m);

  for (;;)
    {
      struct pollfd p[6 + MAX_CLIENTS];
      int idx[MAX_CLIENTS];

      p[0] = (struct pollfd){ .fd = sig, .events = POLLIN };
      /* the console is read at CONSOLE_RATE at most, as a serial line would be: past it the
         guest's writes wait (its own time), and the monitor's work, which is the host's and in
         no cgroup of the guest's, stays bounded however hard the guest floods */
      long now = vl_mono_ms (), wait = -1;
      if (now - window >= 100)
        window = now, taken = 0;
      if (taken >= CONSOLE_RATE / 10)
        wait = window + 100 - now;
      p[1] = (struct pollfd){ .fd = wait < 0 ? m->master : -1, .events = POLLIN };
      p[2] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
      p[3] = (struct pollfd){ .fd = m->con, .events = POLLIN };
      p[4] = (struct pollfd){ .fd = m->notify, .events = POLLIN };
      p[5] = (struct pollfd){ .fd = m->lxcfs, .events = POLLIN };
      nclients = 0;
      for (int i = 0; i < MAX_CLIENTS; i++)
        if (m->clients[i].fd >= 0)
          {
            idx[nclients] = i;
            p[6 + nclients++] = (struct pollfd){ .fd = m->clients[i].fd, .events = POLLIN };
          }
      if (poll (p, 6 + nclients, (int) wait) < 0)
        continue;
      if (p[3].revents & (POLLIN | POLLHUP | POLLERR))
        {
          /* REBOOT_NOTIFY's listener; a REAPER's "rc N"; the end (the init exec'd or died) */
          char text[64];
          ssize_t len;
          int sender = 0, fd = receive (m->con, &sender, text, sizeof text, &len);
          if (fd >= 0 && m->notify < 0)
            m->notify = fd;
          else if (fd >= 0)
            close (fd);
          else if (len > 3 && strncmp (text, "rc ", 3) == 0)
            booted (m, text + 3);
          if (len < 0)
            close (m->con), m->con = -1;
        }
      if (p[4].revents & POLLIN)
        on_reboot (m, init);
      if (p[5].revents & POLLIN)
        lxcfs_lost (m, init);
      if (p[0].revents & POLLIN)
        {
          if (read (sig, &si, sizeof si) == sizeof si && (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT))
            {
              unlink_ours (m, "console", sock);
              _exit (0);
            }
          while ((w = waitpid (-1, &status, WNOHANG)) > 0)
            if (w == init)
              ended (m, status, init, ticks, sock, self);
        }
      if (p[1].revents & POLLIN)
        {
          ssize_t n = read (m->master, buf, sizeof buf);
          if (n > 0)
            console_output (m, buf, n), taken += n;
        }
      if (p[2].revents & POLLIN)
        {
          int c = accept4 (m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
          for (int i = 0; c >= 0 && i < MAX_CLIENTS; i++)
            if (m->clients[i].fd < 0)
              {
                m->clients[i].fd = c, m->clients[i].len = 0, c = -1;
              }
          if (c >= 0)
            close (c); /* MAX_CLIENTS attached already */
        }
      for (int j = 0; j < nclients; j++)
        if (p[6 + j].revents & (POLLIN | POLLHUP | POLLERR))
          client_input (m, &m->clients[idx[j]]);
    }
}

/* MONITOR: fork the monitor, which forks the runner of the rest of the plan; this process exits
   with the runner's exit code once it has gone (after the init's exec), as CLONE's parent would. */
int
op_monitor (struct vl_ctx *ctx, const struct vl_rec *r)
{
  int con[2], done[2], one = 1, high;
  sigset_t all, old;
  unsigned char code = VL_EXIT_SETUP;
  pid_t pid;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, con) < 0)
    return vl_fail ("socketpair(AF_UNIX)", NULL);
  /* the init's pid arrives with the master, in our pid namespace's numbers */
  if (setsockopt (con[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0 || pipe2 (done, O_CLOEXEC) < 0)
    {
      int err = errno;
      close (con[0]);
      close (con[1]);
      return vl_fail_errno ("pipe2", NULL, err);
    }
  sigfillset (&all);
  sigprocmask (SIG_SETMASK, &all, &old);
  pid = fork ();
  if (pid < 0)
    {
      int err = errno;
      sigprocmask (SIG_SETMASK, &old, NULL);
      close (con[0]), close (con[1]), close (done[0]), close (done[1]);
      return vl_fail_errno ("fork", NULL, err);
    }
  if (pid > 0)
    {
      close (con[0]), close (con[1]), close (done[1]);
      while (read (done[0], &code, 1) < 0 && errno == EINTR)
        ;
      waitpid (pid, NULL, WNOHANG); /* usually still running: the host's init reaps it later */
      _exit (code);
    }

  setsid ();
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  pid = fork ();
  if (pid < 0)
    _exit (VL_EXIT_SETUP);
  if (pid == 0)
    {
      sigprocmask (SIG_SETMASK, &old, NULL);
      close (con[0]), close (done[0]), close (done[1]);
      /* above every fd a plan names (USERNS_CREATE puts namespaces at fixed numbers) */
      high = fcntl (con[1], F_DUPFD_CLOEXEC, VL_HIGH_FD);
      close (con[1]);
      if (high < 0)
        return vl_fail ("fcntl(F_DUPFD_CLOEXEC)", NULL);
      ctx->console_fd = high;
      return 0;
    }
  {
    struct monitor m = { .run = r->f[0].s, .log = r->f[1].s, .lock = r->f[2].s, .logsize = r->f[3].u,
                         .cli = r->f[4].s, .name = r->f[5].s, .log_dir = -1, .log_fd = -1, .master = -1,
                         .peer = -1, .listen_fd = -1, .con = -1, .notify = -1, .lxcfs = -1,
                         .lxcfs_pid = ctx->lxcfs_pid, .lxcfs_ticks = ctx->lxcfs_ticks,
                         .steer_link = ctx->steer_link > 0 ? ctx->steer_link : -1,
                         .steer_addrs = ctx->steer_link > 0 ? ctx->steer_maps[3] : -1, .steer_xid = ctx->steer_xid,
                         .steer_naddrs = ctx->steer_naddrs, .steer_keys = ctx->steer_addrs };
    int status = 0, null, sig;
    pid_t w;

    close (con[1]);
    close (done[0]);
    /* nothing of the caller's: its channels must reach EOF when the runner is done with them */
    for (int fd = 0; fd < 1024; fd++)
      if (fd != con[0] && fd != done[1] && fd != m.steer_link && fd != m.steer_addrs)
        close (fd);
    null = open ("/dev/null", O_RDWR);
    if (null == 0)
      dup2 (0, 1), dup2 (0, 2);
    umask (077);
    if (chdir ("/") < 0)
      _exit (1);
    prctl (PR_SET_NAME, "vserver-monitor", 0, 0, 0);
    sig = signalfd (-1, &all, SFD_CLOEXEC);
    while ((w = waitpid (pid, &status, 0)) < 0 && errno == EINTR)
      ;
    code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
    while (write (done[1], &code, 1) < 0 && errno == EINTR)
      ;
    close (done[1]);
    monitor_run (&m, con[0], sig);
  }
}

/* Sends FD over the socket to the monitor, one byte of data with it; 0, or -1 after vl_fail. */
static int
send_fd (int sock, int fd)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  char byte = 'f';
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  ssize_t n;

  c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof fd);
  while ((n = sendmsg (sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
    ;
  return n < 0 ? vl_fail ("sendmsg", "the monitor's socket") : 0;
}

/* CONSOLE: the guest's console, a pty of its own devpts; the master goes to the monitor. */
int
op_console (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *ptmx = r->f[0].s, *console = r->f[1].s;
  struct winsize ws = { .ws_row = 24, .ws_col = 80 };
  char source[64];
  int master, peer = -1, unlock = 0, err = 0;

  if (ctx->console_fd < 0)
    return vl_failf (EBADF, "sendmsg(console): no MONITOR step before it holds the console");
  master = open (ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return vl_fail ("open", ptmx);
  if (ioctl (master, TIOCSPTLCK, &unlock) < 0)
    err = vl_fail ("ioctl(TIOCSPTLCK)", ptmx);
  else if ((peer = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
    err = vl_fail ("ioctl(TIOCGPTPEER)", ptmx);
  else if (ioctl (master, TIOCSWINSZ, &ws) < 0)
    err = vl_fail ("ioctl(TIOCSWINSZ)", ptmx);
  else if (fchown (peer, (uid_t) r->f[2].i, (gid_t) r->f[3].i) < 0 || fchmod (peer, 0600) < 0)
    err = vl_fail ("fchown", console);
  if (err == 0)
    {
      /* the peer by its fd: no path of the guest's devpts is looked up again */
      snprintf (source, sizeof source, "/proc/self/fd/%d", peer);
      if (mount (source, console, NULL, MS_BIND, NULL) < 0)
        err = vl_fail ("mount", console);
    }
  if (err == 0)
    err = send_fd (ctx->console_fd, master);
  close (master);
  if (err == 0)
    {
      if (dup2 (peer, 1) < 0 || dup2 (peer, 2) < 0)
        err = vl_fail ("dup2", console);
    }
  if (peer >= 0)
    close (peer);
  return err;
}

#if defined(__x86_64__)
#define VL_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define VL_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* REBOOT_NOTIFY: a filter of its own for reboot(2), whose listener goes to the monitor (on_reboot):
   the guest's init and all it starts reboot or power off the guest, in a user namespace too.
   Needs CAP_SYS_ADMIN in the current user namespace. */
int
op_reboot_notify (struct vl_ctx *ctx, const struct vl_rec *r)
{
  struct sock_filter f[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, VL_AUDIT_ARCH, 1, 0),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_reboot, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };
  int listener, rc;

  (void) r;
  if (ctx->console_fd < 0)
    return vl_failf (EBADF, "sendmsg(reboot listener): no MONITOR step before it");
  listener = (int) syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  if (listener < 0)
    return vl_failf (errno, "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER)");
  rc = send_fd (ctx->console_fd, listener);
  close (listener);
  return rc; /* the socket stays open for a REAPER's report of its rc; an exec closes it */
}

/* BOOT_ID: a boot id of the guest's own for this start (systemd's journal tells boots apart by
   it; the host's would make every guest and every reboot one boot). The scratch file is bound,
   then unlinked: the mount keeps its inode, the guest's tree keeps nothing. */
int
op_boot_id (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *scratch = r->f[0].s, *target = r->f[1].s;
  char uuid[64];
  ssize_t n;
  int fd, err = 0;

  (void) ctx;
  if (access (target, F_OK) < 0 && errno == ENOENT)
    return 0; /* hidden from this guest (its /proc visibility): nothing to give */
  fd = open ("/proc/sys/kernel/random/uuid", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return vl_fail ("open", "/proc/sys/kernel/random/uuid");
  n = read (fd, uuid, sizeof uuid - 1);
  close (fd);
  if (n != 37)
    return vl_failf (EIO, "read(`/proc/sys/kernel/random/uuid`): %zd bytes, not a UUID", n);
  fd = open (scratch, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
  if (fd < 0)
    return vl_fail ("open", scratch);
  if (write (fd, uuid, n) != n)
    err = vl_fail ("write", scratch);
  close (fd);
  if (err == 0 && mount (scratch, target, NULL, MS_BIND, NULL) < 0)
    err = vl_fail ("mount", target);
  if (err == 0 && mount (NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    err = vl_fail ("mount(MS_REMOUNT|MS_RDONLY)", target);
  if (unlink (scratch) < 0 && err == 0)
    err = vl_fail ("unlink", scratch);
  return err;
}
