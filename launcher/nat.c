/* nat.c: NAT: a netns guest's masquerading table (org.vserver.net.Nat writes the ruleset), loaded
 * with `nft -f -`: nftables' netlink protocol is versioned expression by expression, and the nft
 * tool is how every host manages it. One table per guest, so removal cannot touch the admin's
 * rules. Journaled "nat NETNS TABLE NFT" before it is loaded; undo deletes the table if it is there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"

/* Runs NFT ARGS with INPUT on its stdin; its exit status (-1: it could not run, errno set) and its
   first words of output in OUT. */
static int
nft (const char *path, const char *const args[], const char *input, char *out, size_t outlen)
{
  int in[2], res[2], status;
  size_t len = 0, inlen = strlen (input);
  pid_t pid;
  ssize_t n;
  void (*old) (int);

  if (pipe2 (in, O_CLOEXEC) < 0)
    return -1;
  if (pipe2 (res, O_CLOEXEC) < 0)
    return close (in[0]), close (in[1]), -1;
  pid = fork ();
  if (pid < 0)
    return close (in[0]), close (in[1]), close (res[0]), close (res[1]), -1;
  if (pid == 0)
    {
      char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
      if (dup2 (in[0], 0) < 0 || dup2 (res[1], 1) < 0 || dup2 (res[1], 2) < 0)
        _exit (127);
      execve (path, (char *const *) args, envp);
      _exit (127);
    }
  close (in[0]);
  close (res[1]);
  /* a write to an nft that died early must not kill us; put back after: an ignored signal would
     stay ignored across the guest init's execve */
  old = signal (SIGPIPE, SIG_IGN);
  for (size_t done = 0; done < inlen;)
    {
      n = write (in[1], input + done, inlen - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += n;
    }
  close (in[1]);
  signal (SIGPIPE, old);
  while ((n = read (res[0], out + len, outlen - 1 - len)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && (len += n) >= outlen - 1)
      break;
  out[len] = '\0';
  for (char *c = out; *c; c++)
    if (*c == '\n')
      *c = ' ';
  close (res[0]);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

/* NAT nft table ruleset */
int
op_nat (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[0].s, *table = r->f[1].s;
  const char *const args[] = { path, "-f", "-", NULL };
  char line[4200], out[512];
  int fd, rc;

  snprintf (line, sizeof line, "%lu %s %s", vl_netns_inode (), table, path);
  if (vl_journal_note (ctx, "nat", line) < 0)
    return -1;
  /* NAT forwards: the host's namespace must route the guest's traffic out */
  fd = open ("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return vl_fail ("open", "/proc/sys/net/ipv4/ip_forward");
  rc = write (fd, "1\n", 2) == 2 ? 0 : errno;
  close (fd);
  if (rc)
    return vl_fail_errno ("write", "/proc/sys/net/ipv4/ip_forward", rc);
  rc = nft (path, args, r->f[2].s, out, sizeof out);
  if (rc < 0)
    return vl_fail ("fork/execve", path);
  if (rc == 127)
    return vl_failf (ENOENT, "!interfaces/nat needs the nft program, and %s could not be run (apt-get install nftables)", path);
  if (rc != 0)
    return vl_failf (EIO, "!%s -f - (table ip %s) failed (exit %d): %s", path, table, rc, out);
  return 0;
}

/* Undo of "nat NETNS TABLE NFT": the table goes if it is there. */
int
vl_nat_undo (const char *line)
{
  char table[256], path[4096], out[512], *end;
  unsigned long ino = strtoul (line, &end, 10), here = vl_netns_inode ();
  int rc;

  if (*end != ' ' || sscanf (end + 1, "%255s %4095s", table, path) != 2)
    return fprintf (stderr, "vserver-launcher: undo: bad journal line `nat %s`\n", line), -1;
  if (ino != here)
    return fprintf (stderr, "vserver-launcher: undo: nat table %s was loaded in network namespace net:[%lu] and this"
                            " command runs in net:[%lu]: run the stop there (nsenter --net=...)\n", table, ino, here), -1;
  {
    const char *const list[] = { path, "list", "table", "ip", table, NULL };
    rc = nft (path, list, "", out, sizeof out);
    if (rc != 0)
      return 0; /* not there (or no nft: then nothing was loaded either) */
  }
  {
    const char *const del[] = { path, "delete", "table", "ip", table, NULL };
    rc = nft (path, del, "", out, sizeof out);
  }
  if (rc == 0)
    return 0;
  fprintf (stderr, "vserver-launcher: undo: %s delete table ip %s failed (exit %d): %s\n", path, table, rc, out);
  return -1;
}
