/* key.c: is a cached start plan still what Java would compile now? (doc/plan-cache.md)
 *
 * Java writes, beside the plan, the key it compiled under: one line per input, each with the
 * value it had then. Here each input is read again and compared; the first that differs makes the
 * plan stale, and names itself. The inputs:
 *
 *   kernel RELEASE        uname(2)'s release
 *   launcher ID           this launcher's build (protocol version and a digest of its sources)
 *   tree DIR HASH         a directory's whole content: names, types, link targets, file bytes
 *                         (not context.next and *.lock: bookkeeping other guests' builds change)
 *   file PATH HASH        one file's bytes ("-": absent)
 *   link PATH TARGET      a symbolic link's target ("-": absent)
 *   stat PATH ID          a file's identity, dev:ino:size:mtime-ns (vserver's own jar)
 *   owner PATH U:G:MODE   lstat's uid, gid and mode in octal (the barrier above a guest's root)
 *   exists PATH 0|1       lstat(2) succeeds: a path the planner asked about
 *   isdir PATH 0|1        stat(2) finds a directory: the same, following links
 *   size PATH BYTES       a regular file's size ("-": none): a guest's disk image
 *   rundir PATH           $VSERVER_RUNDIR, else /run/vservers: where the plan puts the run state
 *   confdir PATH          $VSERVER_CONFDIR, else /etc/vservers: whose configuration it is
 *   cgroups HASH          the cgroup mounts: mount point, type and options of each
 *
 * HASH is FNV-1a 64 in hex (org.vserver.plan.PlanKey computes the same): the inputs are root's
 * own files, so the key guards against forgetting a change, not against forging one.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "launcher.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static void
fnv (uint64_t *h, const void *data, size_t len)
{
  const unsigned char *p = data;
  size_t i;

  for (i = 0; i < len; i++)
    {
      *h ^= p[i];
      *h *= FNV_PRIME;
    }
}

/* a file's bytes into the hash; -1 if it cannot be read */
static int
fnv_file (uint64_t *h, int dirfd, const char *name)
{
  char buf[65536];
  ssize_t n;
  int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

  if (fd < 0)
    return -1;
  while ((n = read (fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      fnv (h, buf, n);
  close (fd);
  return n < 0 ? -1 : 0;
}

static int
by_name (const struct dirent **a, const struct dirent **b)
{
  return strcmp ((*a)->d_name, (*b)->d_name);
}

/* util-vserver's bookkeeping beside the configuration, which every build of another guest
   changes: the next context number and the lock files (PlanKey.BOOKKEEPING) */
static int
bookkeeping (const char *name)
{
  size_t n = strlen (name);
  return strcmp (name, "context.next") == 0 || (n > 5 && strcmp (name + n - 5, ".lock") == 0);
}

/* Depth first, names in byte order: "REL\0T\0" then the bytes of a file or a link's target,
   then "\0". T: d directory, f file, l link, o anything else. */
static int
fnv_tree (uint64_t *h, const char *dir, const char *rel)
{
  struct dirent **names;
  int n, i, rc = 0;

  n = scandir (dir, &names, NULL, by_name);
  if (n < 0)
    return -1;
  for (i = 0; i < n; i++)
    {
      const char *name = names[i]->d_name;
      char path[4200], sub[4200], target[4200];
      struct stat st;
      char type;

      if (rc == 0 && strcmp (name, ".") != 0 && strcmp (name, "..") != 0 && !bookkeeping (name))
        {
          snprintf (path, sizeof path, "%s/%s", dir, name);
          snprintf (sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", name);
          if (lstat (path, &st) < 0)
            rc = -1;
          else
            {
              type = S_ISDIR (st.st_mode) ? 'd' : S_ISREG (st.st_mode) ? 'f' : S_ISLNK (st.st_mode) ? 'l' : 'o';
              fnv (h, sub, strlen (sub) + 1);
              fnv (h, &type, 1);
              fnv (h, "", 1);
              if (type == 'f' && fnv_file (h, AT_FDCWD, path) < 0)
                rc = -1;
              if (type == 'l')
                {
                  ssize_t len = readlink (path, target, sizeof target);
                  if (len < 0)
                    rc = -1;
                  else
                    fnv (h, target, len);
                }
              fnv (h, "", 1);
              if (type == 'd' && fnv_tree (h, path, sub) < 0)
                rc = -1;
            }
        }
      free (names[i]);
    }
  free (names);
  return rc;
}

static void
hex (uint64_t h, char *out)
{
  snprintf (out, 17, "%016llx", (unsigned long long) h);
}

static void
cgroup_mounts (char *out)
{
  uint64_t h = FNV_OFFSET;
  char *line = NULL;
  size_t cap = 0;
  FILE *f = fopen ("/proc/self/mountinfo", "re");

  if (f != NULL)
    {
      while (getline (&line, &cap, f) > 0)
        {
          /* id parent dev root MOUNTPOINT opts [tags...] - TYPE SOURCE SUPEROPTS */
          char *sep = strstr (line, " - "), *mp, *type, *src, *super, *save = NULL;
          int k;
          if (sep == NULL)
            continue;
          *sep = '\0';
          type = strtok_r (sep + 3, " \n", &save);
          src = strtok_r (NULL, " \n", &save);
          super = strtok_r (NULL, " \n", &save);
          if (type == NULL || src == NULL || super == NULL
              || (strcmp (type, "cgroup") != 0 && strcmp (type, "cgroup2") != 0))
            continue;
          save = NULL;
          mp = strtok_r (line, " ", &save);
          for (k = 0; k < 4 && mp != NULL; k++)
            mp = strtok_r (NULL, " ", &save);
          if (mp == NULL)
            continue;
          fnv (&h, mp, strlen (mp));
          fnv (&h, " ", 1);
          fnv (&h, type, strlen (type));
          fnv (&h, " ", 1);
          fnv (&h, super, strlen (super));
          fnv (&h, "\n", 1);
        }
      free (line);
      fclose (f);
    }
  hex (h, out);
}

/* The value INPUT (a key line's first word) has now for ARG; 0, or -1 if the kind is unknown. */
static int
current (const char *input, const char *arg, char *out, size_t outlen)
{
  struct utsname u;
  struct stat st;
  uint64_t h = FNV_OFFSET;

  if (strcmp (input, "kernel") == 0)
    return uname (&u) < 0 ? -1 : (snprintf (out, outlen, "%s", u.release), 0);
  if (strcmp (input, "launcher") == 0)
    return snprintf (out, outlen, "%s", vl_build_id), 0;
  if (strcmp (input, "cgroups") == 0)
    return cgroup_mounts (out), 0;
  if (strcmp (input, "rundir") == 0 || strcmp (input, "confdir") == 0)
    {
      const char *env = getenv (input[0] == 'r' ? "VSERVER_RUNDIR" : "VSERVER_CONFDIR");
      snprintf (out, outlen, "%s", env && *env ? env : input[0] == 'r' ? "/run/vservers" : "/etc/vservers");
      return 0;
    }
  if (arg == NULL)
    return -1;
  if (strcmp (input, "tree") == 0)
    {
      if (fnv_tree (&h, arg, "") < 0)
        snprintf (out, outlen, "-");
      else
        hex (h, out);
      return 0;
    }
  if (strcmp (input, "file") == 0)
    {
      if (fnv_file (&h, AT_FDCWD, arg) < 0)
        snprintf (out, outlen, "-");
      else
        hex (h, out);
      return 0;
    }
  if (strcmp (input, "link") == 0)
    {
      ssize_t n = readlink (arg, out, outlen - 1);
      if (n < 0)
        snprintf (out, outlen, "-");
      else
        out[n] = '\0';
      return 0;
    }
  if (strcmp (input, "exists") == 0)
    return snprintf (out, outlen, "%d", lstat (arg, &st) == 0), 0;
  if (strcmp (input, "isdir") == 0)
    return snprintf (out, outlen, "%d", stat (arg, &st) == 0 && S_ISDIR (st.st_mode)), 0;
  if (strcmp (input, "size") == 0)
    {
      if (lstat (arg, &st) < 0 || !S_ISREG (st.st_mode))
        snprintf (out, outlen, "-");
      else
        snprintf (out, outlen, "%lld", (long long) st.st_size);
      return 0;
    }
  if (strcmp (input, "owner") == 0)
    {
      if (lstat (arg, &st) < 0)
        snprintf (out, outlen, "-");
      else
        snprintf (out, outlen, "%u:%u:%o", (unsigned) st.st_uid, (unsigned) st.st_gid, (unsigned) st.st_mode);
      return 0;
    }
  if (strcmp (input, "stat") == 0)
    {
      if (stat (arg, &st) < 0)
        snprintf (out, outlen, "-");
      else
        snprintf (out, outlen, "%llu:%llu:%lld:%lld%09ld", (unsigned long long) st.st_dev,
                  (unsigned long long) st.st_ino, (long long) st.st_size, (long long) st.st_mtim.tv_sec,
                  st.st_mtim.tv_nsec);
      return 0;
    }
  return -1;
}

static int
is_input (const char *w)
{
  static const char *const inputs[] = { "kernel", "launcher", "cgroups", "rundir", "confdir", "tree", "file", "link", "stat", "owner", "exists", "isdir", "size", NULL };
  int i;

  for (i = 0; inputs[i]; i++)
    if (strcmp (w, inputs[i]) == 0)
      return 1;
  return 0;
}

int
vl_key_check (struct vl_key *key, char *why, size_t whylen)
{
  char *p = key->text, *line;

  memset (key->directives, 0, sizeof key->directives);
  key->ndirectives = 0;
  why[0] = '\0';
  if (strncmp (p, "vserver-plan-key 1\n", 19) != 0)
    return snprintf (why, whylen, "not a plan key of this version"), -1;
  p += 19;
  while ((line = strsep (&p, "\n")) != NULL)
    {
      char *word = line, *rest, *want, now[4200];
      if (*line == '\0')
        continue;
      rest = strchr (line, ' ');
      if (rest != NULL)
        *rest++ = '\0';
      if (!is_input (word))
        {
          if (key->ndirectives < VL_KEY_DIRECTIVES)
            {
              key->directives[key->ndirectives][0] = word;
              key->directives[key->ndirectives][1] = rest ? rest : "";
              key->ndirectives++;
            }
          continue;
        }
      /* "tree DIR HASH": the argument is everything up to the last space (a path may hold spaces) */
      want = rest ? strrchr (rest, ' ') : NULL;
      if (strcmp (word, "kernel") == 0 || strcmp (word, "launcher") == 0 || strcmp (word, "cgroups") == 0
          || strcmp (word, "rundir") == 0 || strcmp (word, "confdir") == 0)
        want = rest, rest = NULL;
      else if (want != NULL)
        *want++ = '\0';
      if (want == NULL || current (word, rest, now, sizeof now) < 0)
        return snprintf (why, whylen, "bad key line `%s`", word), -1;
      if (strcmp (now, want) != 0)
        {
          snprintf (why, whylen, "%s%s%s changed (compiled with %s, now %s)", word, rest ? " " : "", rest ? rest : "", want, now);
          return 1;
        }
    }
  return 0;
}

const char *
vl_key_get (const struct vl_key *key, const char *name)
{
  int i;

  for (i = 0; i < key->ndirectives; i++)
    if (strcmp (key->directives[i][0], name) == 0)
      return key->directives[i][1];
  return NULL;
}
