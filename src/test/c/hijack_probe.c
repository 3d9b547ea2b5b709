/* hijack_probe.c: LauncherHijackIT's attacker, run as root inside a guest (CVE-2019-5736,
 * CVE-2016-9962). Until STOPFILE exists it scans /proc over and over: for every other process it
 * tries to open /proc/PID/exe for writing, to open for writing any of its fds that name the
 * launcher, and to ptrace it (PTRACE_SEIZE: the same permission check as PTRACE_ATTACH). A
 * successful attach is a hijack if the tracee still is the launcher (its exe is the launcher);
 * attaching to the guest's own commands is guest business.
 * Prints counters and one "HIJACK ..." line per success the test must never see.
 *
 *   hijack-probe STOPFILE
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static long scans, exe_tries, exe_opened, exe_denied, fd_launcher, fd_opened, attach_tries, attached_launcher,
    attached_other, attach_denied;

/* one line per success, the first few only: the test reads the output at the end */
static void
report (const char *what, const char *path, const char *link)
{
  static int lines;
  if (lines++ < 20)
    printf ("HIJACK %s(%s) -> %s\n", what, path, link);
}

static int
is_launcher (const char *link)
{
  return strstr (link, "vserver-launcher") != NULL;
}

static void
try_fds (int pid)
{
  char dir[64], path[384], link[4096];
  struct dirent *de;
  DIR *d;

  snprintf (dir, sizeof dir, "/proc/%d/fd", pid);
  d = opendir (dir);
  if (d == NULL)
    return;
  while ((de = readdir (d)) != NULL)
    {
      ssize_t n;
      int fd;

      if (de->d_name[0] == '.')
        continue;
      snprintf (path, sizeof path, "%s/%s", dir, de->d_name);
      n = readlink (path, link, sizeof link - 1);
      if (n < 0)
        continue;
      link[n] = 0;
      if (!is_launcher (link))
        continue;
      fd_launcher++;
      fd = open (path, O_WRONLY | O_CLOEXEC);
      if (fd >= 0)
        {
          fd_opened++;
          report ("open O_WRONLY", path, link);
          close (fd);
        }
    }
  closedir (d);
}

static void
try_exe (int pid)
{
  char path[64];
  int fd;

  snprintf (path, sizeof path, "/proc/%d/exe", pid);
  exe_tries++;
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      char link[4096];
      ssize_t n = readlink (path, link, sizeof link - 1);
      link[n > 0 ? n : 0] = 0;
      exe_opened++;
      report ("open O_WRONLY", path, link);
      close (fd);
    }
  else if (errno == EACCES || errno == EPERM)
    exe_denied++; /* a non-dumpable process: the launcher */
}

static void
try_attach (int pid)
{
  char path[64], link[4096];
  ssize_t n;

  /* PTRACE_SEIZE: the permission check of PTRACE_ATTACH without its SIGSTOP, which could leave a
     guest command in a group stop after the detach; INTERRUPT stops it for the detach */
  attach_tries++;
  if (ptrace (PTRACE_SEIZE, pid, 0, 0) < 0)
    {
      if (errno == EPERM || errno == EACCES)
        attach_denied++;
      return;
    }
  ptrace (PTRACE_INTERRUPT, pid, 0, 0);
  waitpid (pid, NULL, __WALL);
  snprintf (path, sizeof path, "/proc/%d/exe", pid);
  n = readlink (path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  if (is_launcher (link))
    {
      attached_launcher++;
      report ("ptrace PTRACE_SEIZE", path, link);
    }
  else
    attached_other++;
  ptrace (PTRACE_DETACH, pid, 0, 0);
}

int
main (int argc, char **argv)
{
  int self = getpid ();

  if (argc != 2)
    {
      fputs ("usage: hijack-probe STOPFILE\n", stderr);
      return 2;
    }
  setvbuf (stdout, NULL, _IOLBF, 0);
  while (access (argv[1], F_OK) != 0)
    {
      struct dirent *de;
      DIR *d = opendir ("/proc");

      if (d == NULL)
        return 1;
      while ((de = readdir (d)) != NULL)
        {
          int pid = atoi (de->d_name);
          if (pid <= 0 || pid == self)
            continue;
          try_exe (pid);
          try_fds (pid);
          try_attach (pid);
        }
      closedir (d);
      scans++;
    }
  printf ("scans %ld\nexe_tries %ld\nexe_opened %ld\nexe_denied %ld\nfd_launcher %ld\nfd_opened %ld\n"
          "attach_tries %ld\nattached_launcher %ld\nattached_other %ld\nattach_denied %ld\n",
          scans, exe_tries, exe_opened, exe_denied, fd_launcher, fd_opened, attach_tries, attached_launcher,
          attached_other, attach_denied);
  return 0;
}
