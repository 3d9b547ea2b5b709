/* rename_swapper A B: swaps the names A and B with renameat2(RENAME_EXCHANGE) until SIGTERM, then
 * prints how many swaps it made. HostileTreeIT runs it on a guest's tree while the guest starts:
 * a directory and a link to a host directory trade places under the launcher's feet. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static volatile sig_atomic_t stop;

static void
on_term (int sig)
{
  (void) sig;
  stop = 1;
}

int
main (int argc, char **argv)
{
  unsigned long swaps = 0;

  if (argc != 3)
    {
      fprintf (stderr, "usage: rename_swapper A B\n");
      return 2;
    }
  signal (SIGTERM, on_term);
  printf ("swapping\n");
  fflush (stdout);
  while (!stop)
    {
      if (renameat2 (AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0)
        {
          perror ("renameat2");
          return 1;
        }
      swaps++;
    }
  printf ("%lu swaps\n", swaps);
  return 0;
}
