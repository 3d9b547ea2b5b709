/* seccomp_probe: a static probe for SeccompIT, built by the test into target/.
 *   seccomp_probe status   prints the Seccomp, Seccomp_filters and NoNewPrivs lines of
 *                          /proc/self/status and the effective uid (after a setuid exec: 0)
 *   seccomp_probe i386     makes i386 system calls through int 0x80 and prints each result
 *                          (a value, or -errno): getpid, unshare(CLONE_NEWNS), keyctl, uname
 * No libc calls between the int 0x80s and the printing that could change errno matter here: the
 * kernel's return value is printed as is. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static long
int80 (long nr, long a, long b, long c)
{
  long ret;
  __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
  return ret;
}

int
main (int argc, char **argv)
{
  if (argc > 1 && strcmp (argv[1], "status") == 0)
    {
      char line[256];
      FILE *f = fopen ("/proc/self/status", "r");
      if (f == NULL)
        return 2;
      while (fgets (line, sizeof line, f))
        if (strncmp (line, "Seccomp", 7) == 0 || strncmp (line, "NoNewPrivs", 10) == 0)
          fputs (line, stdout);
      fclose (f);
      printf ("euid=%d uid=%d\n", (int) geteuid (), (int) getuid ());
      return 0;
    }
  if (argc > 1 && strcmp (argv[1], "i386") == 0)
    {
      static char buf[512]; /* below 4 GiB in a static non-PIE binary: i386 pointers are 32 bits */
      printf ("getpid=%ld\n", int80 (20, 0, 0, 0) > 0 ? 1L : int80 (20, 0, 0, 0));
      printf ("unshare=%ld\n", int80 (310, 0x00020000, 0, 0));
      printf ("keyctl=%ld\n", int80 (288, 0, 0, 0));
      printf ("uname=%ld\n", int80 (122, (long) buf, 0, 0));
      return 0;
    }
  fprintf (stderr, "usage: seccomp_probe status|i386\n");
  return 2;
}
