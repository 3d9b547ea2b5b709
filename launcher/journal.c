/* journal.c: the undo journal of a start (doc/plan-cache.md).
 *
 * Every host change a start plan makes is first appended to the journal, one line each, so that
 * whatever ends the start (a failed op, a kill -9, a reboot of the machine's power) leaves a list
 * of exactly what to take back. Undoing reads it newest first:
 *
 *   rmdir PATH     a directory the plan may have created (a shared parent too: one still in use
 *                  is not empty, and stays)
 *   cgroup PATH    a guest cgroup: every process in it is killed, then the directory goes
 *   unlink PATH    a file the plan created
 *   address DEV A/P  an address a shared guest put on a host device (addr.c)
 *   veth NETNS NAME, bridge NETNS NAME RUNDIR   a netns guest's veth and bridge port (veth.c)
 *   nat NETNS TABLE NFT   its masquerading table (nat.c)
 *   umount PATH    a disk image mounted on the host (loop.c)
 *
 * A line is written before its change is made: an undo may meet a change that never happened,
 * so every step treats "already gone" as done. Paths never hold a newline (refused when written).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"

#define VL_JOURNAL_MAX (1u << 20)

static int
journal_line (struct vl_ctx *ctx, const char *verb, const char *path)
{
  char line[4200];
  int n;

  if (ctx->journal_fd < 0)
    return vl_failf (EINVAL, "%s(`%s`): no JOURNAL before the first host change", verb, path);
  if (strchr (path, '\n') != NULL)
    return vl_failf (EINVAL, "%s(`%s`): a journaled path holds a newline", verb, path);
  n = snprintf (line, sizeof line, "%s %s\n", verb, path);
  if (n < 0 || (size_t) n >= sizeof line)
    return vl_failf (ENAMETOOLONG, "%s(`%s`)", verb, path);
  /* one write(2) of an O_APPEND file: the line is whole or absent after any crash */
  if (write (ctx->journal_fd, line, n) != n)
    return vl_fail ("write", "journal");
  return 0;
}

/* JOURNAL path: the file every later host change is recorded in. */
int
op_journal (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[0].s;
  int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0)
    return vl_fail ("open", path);
  /* out of the way of the fds a plan names (USERNS_CREATE, NETNS_CREATE put namespaces at 5, 6...) */
  if (fd < VL_HIGH_FD)
    {
      int high = fcntl (fd, F_DUPFD_CLOEXEC, VL_HIGH_FD);
      close (fd);
      if (high < 0)
        return vl_fail ("fcntl(F_DUPFD_CLOEXEC)", path);
      fd = high;
    }
  if (ctx->journal_fd >= 0)
    close (ctx->journal_fd);
  ctx->journal_fd = fd;
  return 0;
}

/* MKDIR_HOST path mode: mkdir(2) on the host, journaled as rmdir; an existing directory is fine. */
int
op_mkdir_host (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[0].s;
  struct stat st;

  if (journal_line (ctx, "rmdir", path) < 0)
    return -1;
  if (mkdir (path, r->f[1].i) == 0)
    return 0;
  if (errno == EEXIST && lstat (path, &st) == 0 && S_ISDIR (st.st_mode))
    return 0;
  return vl_fail ("mkdir", path);
}

/* CGROUP_MKDIR path: a guest's cgroup, which must not exist yet (a leftover would hold strangers'
   settings); journaled as cgroup: its processes die with it on undo. */
int
op_cgroup_mkdir (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[0].s;

  if (journal_line (ctx, "cgroup", path) < 0)
    return -1;
  if (mkdir (path, 0755) < 0)
    return vl_fail ("mkdir", path);
  return 0;
}

/* CREATE_FILE path content mode: a new host file (O_EXCL, no link followed), journaled as unlink. */
int
op_create_file (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *path = r->f[0].s, *content = r->f[1].s;
  size_t len = strlen (content), done = 0;
  int fd;

  if (journal_line (ctx, "unlink", path) < 0)
    return -1;
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, r->f[2].i);
  if (fd < 0)
    return vl_fail ("open", path);
  while (done < len)
    {
      ssize_t n = write (fd, content + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int err = errno;
          close (fd);
          return vl_fail_errno ("write", path, err);
        }
      done += n;
    }
  if (close (fd) < 0)
    return vl_fail ("close", path);
  return 0;
}

/* LINK source target: link(2), journaled as unlink of the target. The cached exec plan becomes the
   running guest's own: a later compile replaces the cache's file by rename, never this inode. */
int
op_link (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *target = r->f[1].s;

  if (journal_line (ctx, "unlink", target) < 0)
    return -1;
  if (link (r->f[0].s, target) < 0)
    return vl_fail ("link", target);
  return 0;
}

int
vl_journal_note (struct vl_ctx *ctx, const char *verb, const char *path)
{
  return journal_line (ctx, verb, path);
}

/* Signals every process of the cgroup PATH and of the cgroups below it (a systemd guest makes its
   own in its cgroup2 subtree, at most 16 deep); how many there were, or -1 if PATH is gone. */
static int
kill_tree (const char *path, int depth)
{
  char procs[4200];
  FILE *f;
  DIR *d;
  struct dirent *e;
  int pid, n = 0;

  snprintf (procs, sizeof procs, "%s/cgroup.procs", path);
  f = fopen (procs, "re");
  if (f == NULL)
    return errno == ENOENT ? -1 : 0;
  while (fscanf (f, "%d", &pid) == 1)
    n++, kill (pid, SIGKILL);
  fclose (f);
  if (depth >= 32 || (d = opendir (path)) == NULL)
    return n;
  while ((e = readdir (d)) != NULL)
    if (e->d_type == DT_DIR && strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      {
        char sub[4200];
        int k;
        if ((size_t) snprintf (sub, sizeof sub, "%s/%s", path, e->d_name) >= sizeof sub)
          continue;
        k = kill_tree (sub, depth + 1);
        if (k > 0)
          n += k;
      }
  closedir (d);
  return n;
}

/* rmdir of PATH's child cgroups, deepest first, then of PATH: 0, or -1 with errno. */
static int
rmdir_tree (const char *path, int depth)
{
  DIR *d = depth < 32 ? opendir (path) : NULL;
  struct dirent *e;

  if (d != NULL)
    {
      while ((e = readdir (d)) != NULL)
        if (e->d_type == DT_DIR && strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
          {
            char sub[4200];
            if ((size_t) snprintf (sub, sizeof sub, "%s/%s", path, e->d_name) < sizeof sub)
              (void) rmdir_tree (sub, depth + 1);
          }
      closedir (d);
    }
  return rmdir (path);
}

/* Kills every process of the cgroup PATH and below until they are gone (at most ~5 s: one in
   uninterruptible sleep may take a moment to die), then removes the tree. 0, or -1 with a message
   on stderr. */
static int
remove_cgroup (const char *path)
{
  struct timespec pause = { 0, 2000000 };
  int round, any;

  for (round = 0; round < 2500; round++)
    {
      any = kill_tree (path, 0);
      if (any < 0)
        return 0;
      if (any == 0 && rmdir_tree (path, 0) == 0)
        return 0;
      if (any == 0 && errno == ENOENT)
        return 0;
      if (any == 0 && errno != EBUSY)
        break;
      nanosleep (&pause, NULL);
    }
  fprintf (stderr, "vserver-launcher: undo: rmdir(`%s`) failed: %s: processes of the guest survived SIGKILL\n", path,
           strerror (errno));
  return -1;
}

static int
undo_line (char *line)
{
  char *path = strchr (line, ' ');

  if (path == NULL)
    return fprintf (stderr, "vserver-launcher: undo: bad journal line `%s`\n", line), -1;
  *path++ = '\0';
  if (strcmp (line, "cgroup") == 0)
    return remove_cgroup (path);
  if (strcmp (line, "rmdir") == 0)
    {
      if (rmdir (path) == 0 || errno == ENOENT || errno == ENOTEMPTY || errno == EEXIST || errno == EBUSY)
        return 0;
      return fprintf (stderr, "vserver-launcher: undo: rmdir(`%s`) failed: %s\n", path, strerror (errno)), -1;
    }
  if (strcmp (line, "address") == 0)
    return vl_addr_undo (path);
  if (strcmp (line, "veth") == 0)
    return vl_veth_undo (path);
  if (strcmp (line, "bridge") == 0)
    return vl_bridge_undo (path);
  if (strcmp (line, "nat") == 0)
    return vl_nat_undo (path);
  if (strcmp (line, "umount") == 0)
    return vl_umount_undo (path);
  if (strcmp (line, "unlink") == 0)
    {
      if (unlink (path) == 0 || errno == ENOENT)
        return 0;
      return fprintf (stderr, "vserver-launcher: undo: unlink(`%s`) failed: %s\n", path, strerror (errno)), -1;
    }
  return fprintf (stderr, "vserver-launcher: undo: unknown journal line `%s %s`\n", line, path), -1;
}

int
vl_journal_undo (const char *path)
{
  char *buf, *p;
  size_t len = 0;
  int fd, failed = 0;
  ssize_t n;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      fprintf (stderr, "vserver-launcher: undo: open(`%s`) failed: %s\n", path, strerror (errno));
      return -1;
    }
  buf = malloc (VL_JOURNAL_MAX + 1);
  if (buf == NULL)
    return close (fd), -1;
  while (len < VL_JOURNAL_MAX && ((n = read (fd, buf + len, VL_JOURNAL_MAX - len)) > 0 || (n < 0 && errno == EINTR)))
    if (n > 0)
      len += n;
  close (fd);
  buf[len] = '\0';
  /* newest first: walk back from the end, one line at a time (a torn last line cannot exist: each
     is one O_APPEND write, see journal_line) */
  p = buf + len;
  while (p > buf)
    {
      char *end = p, *start;
      if (end[-1] == '\n')
        *--end = '\0';
      start = end;
      while (start > buf && start[-1] != '\n')
        start--;
      if (*start != '\0' && undo_line (start) < 0)
        failed = 1;
      p = start;
    }
  free (buf);
  if (failed)
    return -1;
  if (unlink (path) < 0 && errno != ENOENT)
    {
      fprintf (stderr, "vserver-launcher: undo: unlink(`%s`) failed: %s\n", path, strerror (errno));
      return -1;
    }
  return 0;
}
