/* status.c: `vserver-launcher --status RUN`: `vserver NAME status` of a running guest without a JVM
 * (doc/plan-cache.md). RUN/status was compiled with the start (its static lines: context, network,
 * limits and where each comes from, disk) and linked in by it:
 *
 *   vserver-status 1
 *   cache /var/cache/vservers/web/plan        state /run/vservers/web/state
 *   procs /sys/fs/cgroup/pids/vservers/web/cgroup.procs   (one per hierarchy)
 *   text
 *   Vserver 'web' is running at context '40001'
 *   Number of processes: @PROCS@
 *   Uptime: @UPTIME@
 *   CPU: held in @dK:/sys/fs/cgroup/cpu/vservers/web/cpu.stat:nr_throttled@ of ...
 *
 * It is only right while the configuration is the one the guest started with, and its live
 * settings are unchanged (vsched and vlimit remove the run's copy): the cache's key must be current
 * and the run's file the cache's own inode. Otherwise, or for a guest not running: exit 124, java.
 * The tokens are CgroupManager#statusTemplate's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "launcher.h"

#define VL_EXIT_NEEDS_JAVA 124

/* A number file's value, or -1 if it is missing or no number. */
static long long
number (const char *path)
{
  char *t = vl_read_small (path), *end;
  long long v;

  if (t == NULL)
    return -1;
  v = strtoll (t, &end, 10);
  if (end == t)
    v = -1;
  free (t);
  return v;
}

/* "KEY value" lines: the value of KEY, or -1. */
static long long
keyed (const char *path, const char *key)
{
  char *t = vl_read_small (path), *line, *p;
  long long v = -1;
  size_t klen = strlen (key);

  if (t == NULL)
    return -1;
  for (p = t; (line = strsep (&p, "\n")) != NULL;)
    if (strncmp (line, key, klen) == 0 && line[klen] == ' ')
      {
        v = strtoll (line + klen + 1, NULL, 10);
        break;
      }
  free (t);
  return v;
}

static long long
lines (const char *path)
{
  char *t = vl_read_small (path), *p;
  long long n = 0;

  if (t == NULL)
    return 0;
  for (p = t; *p; p++)
    if (*p == '\n')
      n++;
  if (p > t && p[-1] != '\n')
    n++;
  free (t);
  return n;
}

/* One token's text (without its @s) into OUT. */
static void
token (char *tok, const char *state, char *const *procs, int nprocs, FILE *out)
{
  char fmt, src, *a, *b;
  long long v;

  if (strcmp (tok, "PROCS") == 0)
    {
      /* distinct pids of all hierarchies, as java's count */
      int seen[8192], n = 0, i, j, pid;
      for (i = 0; i < nprocs; i++)
        {
          FILE *f = fopen (procs[i], "re");
          if (f == NULL)
            continue;
          while (fscanf (f, "%d", &pid) == 1)
            {
              for (j = 0; j < n && seen[j] != pid; j++)
                ;
              if (j == n && n < 8192)
                seen[n++] = pid;
            }
          fclose (f);
        }
      fprintf (out, "%d", n);
      return;
    }
  if (strcmp (tok, "UPTIME") == 0)
    {
      char *st = vl_read_small (state), *p = st ? strstr (st, "started=") : NULL;
      long long started = p ? strtoll (p + 8, NULL, 10) : 0, ms;
      struct timeval tv;
      gettimeofday (&tv, NULL);
      ms = (long long) tv.tv_sec * 1000 + tv.tv_usec / 1000 - started;
      if (ms < 0)
        ms = 0;
      fprintf (out, "%lld:%02lld:%02lld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60);
      free (st);
      return;
    }
  if (tok[0] == 'V' && tok[1] == ':')
    {
      /* RUN/lxcfs.lost, which the monitor writes when the lxcfs serving the views died */
      char *t = vl_read_small (tok + 2);
      if (t != NULL)
        fprintf (out, "; lxcfs (pid %d) died: those views show the host's figures until the guest is restarted", atoi (t));
      free (t);
      return;
    }
  if (tok[0] == 'F' && (tok[1] == '1' || tok[1] == '2') && tok[2] == ':')
    {
      char *t = vl_read_small (tok + 3);
      int frozen = t != NULL && (tok[1] == '1' ? strncmp (t, "FROZEN", 6) == 0 : strstr (t, "frozen 1") != NULL);
      if (frozen)
        fputs ("; paused (frozen)", out);
      free (t);
      return;
    }
  fmt = tok[0];
  src = tok[1];
  if (fmt == '\0' || tok[2] != ':')
    return;
  a = tok + 3;
  b = strrchr (a, ':');
  if (b)
    *b++ = '\0';
  switch (src)
    {
    case 'K':
      v = b ? keyed (a, b) : -1;
      break;
    case 'N':
      if (b)
        b[-1] = ':';                            /* a path holds no key: put it back */
      v = number (a);
      break;
    case 'L':
      if (b)
        b[-1] = ':';
      v = lines (a);
      break;
    case 'P':
      v = b && access (a, F_OK) == 0 ? number (a) : b ? lines (b) : -1;
      break;
    default:
      return;
    }
  switch (fmt)
    {
    case 'd':
      fprintf (out, "%lld", v);
      break;
    case 'z':
      fprintf (out, "%lld", v < 0 ? 0 : v);
      break;
    case 'c':
      if (v < 0)
        fputs ("?", out);
      else
        fprintf (out, "%lld", v);
      break;
    case 'm':
      if (v < 0)
        fputs ("?", out);
      else
        fprintf (out, "%.1f MiB", v / 1048576.0);
      break;
    case 'n':
    case 'N':
      {
        long long usec = v < 0 ? -1 : v / 1000;
        if (fmt == 'N' && usec < 0)
          usec = 0;
        fprintf (out, "%.2f", usec / 1e6);
      }
      break;
    case 'u':
    case 'U':
      fprintf (out, "%.2f", (fmt == 'U' && v < 0 ? 0 : v) / 1e6);
      break;
    }
}

int
vl_status_print (const char *run)
{
  char path[4200], *text, *p, *line, *cache = NULL, *state = NULL, *procs[32], why[512];
  int nprocs = 0;
  struct stat a, mine, cached;
  struct vl_key key;

  snprintf (path, sizeof path, "%s/status", run);
  if (stat (run, &a) < 0 || stat (path, &mine) < 0 || a.st_uid != 0 || mine.st_uid != 0 || (a.st_mode & 022)
      || (mine.st_mode & 022))
    return VL_EXIT_NEEDS_JAVA;
  text = vl_read_small (path);
  if (text == NULL || strncmp (text, "vserver-status 1\n", 17) != 0)
    return VL_EXIT_NEEDS_JAVA;
  p = text + 17;
  while ((line = strsep (&p, "\n")) != NULL && strcmp (line, "text") != 0)
    {
      if (strncmp (line, "cache ", 6) == 0)
        cache = line + 6;
      else if (strncmp (line, "state ", 6) == 0)
        state = line + 6;
      else if (strncmp (line, "procs ", 6) == 0 && nprocs < 32)
        procs[nprocs++] = line + 6;
    }
  if (line == NULL || p == NULL || cache == NULL || state == NULL)
    return VL_EXIT_NEEDS_JAVA;
  /* the configuration as the guest started: the key current, and this file the cache's inode */
  snprintf (path, sizeof path, "%s/status", cache);
  if (stat (path, &cached) < 0 || cached.st_ino != mine.st_ino || cached.st_dev != mine.st_dev)
    return VL_EXIT_NEEDS_JAVA;
  snprintf (path, sizeof path, "%s/key", cache);
  key.text = vl_read_small (path);
  if (key.text == NULL || vl_key_check (&key, why, sizeof why) != 0)
    return VL_EXIT_NEEDS_JAVA;
  /* running: the init the state names is alive (a dead one's leftovers are java's to clean) */
  if (!vl_init_running (state))
    return VL_EXIT_NEEDS_JAVA;
  /* the template: text up to each '@', then the token up to the next */
  while (*p)
    {
      char *at = strchr (p, '@'), *end;
      if (at == NULL)
        {
          fputs (p, stdout);
          break;
        }
      fwrite (p, 1, at - p, stdout);
      end = strchr (at + 1, '@');
      if (end == NULL)
        {
          fputs (at, stdout);
          break;
        }
      *end = '\0';
      token (at + 1, state, procs, nprocs, stdout);
      p = end + 1;
    }
  return fflush (stdout) == 0 ? 0 : 1;
}
