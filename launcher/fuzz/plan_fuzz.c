/* plan_fuzz.c: libFuzzer target for the plan decoder (plan.c) and its text renderer (text.c).
 *
 * Bytes go to vl_plan_decode and, when they decode, to vl_plan_print; no op ever runs. Each input
 * is tried twice: as it is, which exercises the header checks, and with its header's total_len
 * set to the input's own length (rounded down to 4), because a mutation that changes the length
 * would otherwise almost always stop at "total length N, plan has M bytes" and never reach the
 * records. Both copies are exact-size heap buffers, so ASan sees any read past the plan's end.
 * Built and run by scripts/fuzz-plan.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plan.h"

static FILE *sink;

static void
decode (const unsigned char *buf, size_t len)
{
  struct vl_plan plan;
  uint32_t bad_step;
  char err[256] = "";

  if (vl_plan_decode (buf, len, &plan, &bad_step, err, sizeof err) == 0)
    {
      vl_plan_print (&plan, sink);
      fflush (sink);
    }
  else if (err[0] == '\0')
    abort (); /* a failure must say why */
  vl_plan_free (&plan);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  unsigned char *copy;
  size_t len = size & ~(size_t) 3;
  uint32_t total = len;

  if (sink == NULL && (sink = fopen ("/dev/null", "w")) == NULL)
    abort ();
  copy = malloc (size ? size : 1);
  if (copy == NULL)
    abort ();
  memcpy (copy, data, size);
  decode (copy, size);
  if (len >= VL_HEADER_SIZE && len <= VL_MAX_PLAN)
    {
      memcpy (copy + 8, &total, sizeof total);
      decode (copy, len);
    }
  free (copy);
  return 0;
}
