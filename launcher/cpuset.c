/* cpuset.c: CPUSET_INHERIT: a new v1 cpuset gets its parent's CPUs and memory nodes, less those an
 * exclusive sibling holds, as the kernel does not (doc/plan-cache.md). Decided when the guest
 * starts, not when its plan was compiled: another guest may have become exclusive since.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher.h"

#define VL_CPUS 8192

struct cpus
{
  unsigned char bit[VL_CPUS / 8];
};

/* The file's content, without the trailing newline; -1 if unreadable. */
static int
read_text (const char *path, char *buf, size_t len)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return -1;
  n = read (fd, buf, len - 1);
  close (fd);
  if (n < 0)
    return -1;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    n--;
  buf[n] = '\0';
  return 0;
}

/* the kernel's list format, "0-3,5" */
static int
parse (const char *s, struct cpus *c)
{
  memset (c, 0, sizeof *c);
  while (*s)
    {
      char *end;
      long a = strtol (s, &end, 10), b = a;
      if (end == s || a < 0 || a >= VL_CPUS)
        return -1;
      s = end;
      if (*s == '-')
        {
          b = strtol (s + 1, &end, 10);
          if (end == s + 1 || b < a || b >= VL_CPUS)
            return -1;
          s = end;
        }
      for (; a <= b; a++)
        c->bit[a / 8] |= 1 << (a % 8);
      if (*s == ',')
        s++;
      else if (*s)
        return -1;
    }
  return 0;
}

static void
format (const struct cpus *c, char *out, size_t len)
{
  size_t used = 0;
  int i = 0;

  out[0] = '\0';
  while (i < VL_CPUS)
    {
      int j;
      if (!(c->bit[i / 8] & (1 << (i % 8))))
        {
          i++;
          continue;
        }
      for (j = i; j + 1 < VL_CPUS && (c->bit[(j + 1) / 8] & (1 << ((j + 1) % 8))); j++)
        ;
      used += snprintf (out + used, used < len ? len - used : 0, "%s%d", used ? "," : "", i);
      if (j > i)
        used += snprintf (out + used, used < len ? len - used : 0, "-%d", j);
      i = j + 1;
    }
}

static int
empty (const struct cpus *c)
{
  size_t i;

  for (i = 0; i < sizeof c->bit; i++)
    if (c->bit[i])
      return 0;
  return 1;
}

static int
inherit (const char *dir, const char *file, const char *flag)
{
  char parent[4200], path[8800], text[65536], *slash;
  struct cpus free, held;
  struct dirent *e;
  DIR *d;
  size_t i;

  snprintf (path, sizeof path, "%s/%s", dir, file);
  if (access (path, F_OK) < 0)
    return 0; /* no such controller file: nothing to inherit */
  if (read_text (path, text, sizeof text) < 0)
    return vl_fail ("read", path);
  if (text[0] != '\0')
    return 0; /* the kernel (clone_children) or an earlier start filled it */
  snprintf (parent, sizeof parent, "%s", dir);
  slash = strrchr (parent, '/');
  if (slash == NULL || slash == parent)
    return vl_failf (EINVAL, "cpuset(`%s`): no parent", dir);
  *slash = '\0';
  snprintf (path, sizeof path, "%s/%s", parent, file);
  if (read_text (path, text, sizeof text) < 0 || parse (text, &free) < 0)
    return vl_fail ("read", path);
  d = opendir (parent);
  if (d == NULL)
    return vl_fail ("opendir", parent);
  while ((e = readdir (d)) != NULL)
    {
      char sib[4500];
      if (e->d_type != DT_DIR || e->d_name[0] == '.')
        continue;
      snprintf (sib, sizeof sib, "%s/%s", parent, e->d_name);
      if (strcmp (sib, dir) == 0)
        continue;
      snprintf (path, sizeof path, "%s/%s", sib, flag);
      if (read_text (path, text, sizeof text) < 0 || strcmp (text, "1") != 0)
        continue;
      snprintf (path, sizeof path, "%s/%s", sib, file);
      if (read_text (path, text, sizeof text) == 0 && parse (text, &held) == 0)
        for (i = 0; i < sizeof free.bit; i++)
          free.bit[i] &= ~held.bit[i];
    }
  closedir (d);
  snprintf (path, sizeof path, "%s/%s", dir, file);
  if (empty (&free))
    return vl_failf (ENOSPC, "write(`%s`): every entry of the parent's %s is held by an exclusive sibling: give a guest"
                             " fewer or drop its exclusive flag", path, file);
  format (&free, text, sizeof text);
  {
    int fd = open (path, O_WRONLY | O_CLOEXEC);
    size_t len = strlen (text);
    if (fd < 0)
      return vl_fail ("open", path);
    if (write (fd, text, len) != (ssize_t) len)
      {
        int err = errno;
        close (fd);
        return vl_fail_errno ("write", path, err);
      }
    close (fd);
  }
  return 0;
}

/* CPUSET_INHERIT dir */
int
op_cpuset_inherit (struct vl_ctx *ctx, const struct vl_rec *r)
{
  (void) ctx;
  if (inherit (r->f[0].s, "cpuset.cpus", "cpuset.cpu_exclusive") < 0)
    return -1;
  return inherit (r->f[0].s, "cpuset.mems", "cpuset.mem_exclusive");
}
