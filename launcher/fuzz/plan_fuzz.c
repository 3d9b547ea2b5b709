/* plan_fuzz.c: libFuzzer target for the plan decoder (plan.c) and its text renderer (text.c).
 *
 * Bytes go to vl_plan_decode and, when they decode, to vl_plan_print; no op ever runs. Each input
 * is tried twice: as it is, which exercises the header checks, and with its header's total_len
 * set to the input's own length (rounded down to 4), because a mutation that changes the length
 * would otherwise almost always stop at "total length N, plan has M bytes" and never reach the
 * records. Both copies are exact-size heap buffers, so ASan sees any read past the plan's end.
 * Built and run by scripts/fuzz-plan (a minute of it in scripts/test). Its corpus: the golden plans
 * (the .bin files of src/test/resources/plans) and fuzz/corpus: edge-* made by hand, one per check of the
 * decoder; op-* written by PlanWriter, for the ops no golden plan holds yet (the user-namespace ops,
 * MOUNT_LOOP);
 * an input that once broke it is kept there too, named after what it broke.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plan.h"

static FILE *sink;

/* Decodes the first LEN bytes of DATA from an exact-size copy, with total_len set to LEN if PATCH. */
static void
decode (const uint8_t *data, size_t len, int patch)
{
  struct vl_plan plan;
  uint32_t bad_step, total = len;
  unsigned char *buf;
  char err[256] = "";

  buf = malloc (len ? len : 1);
  if (buf == NULL)
    abort ();
  memcpy (buf, data, len);
  if (patch)
    memcpy (buf + 8, &total, sizeof total);
  if (vl_plan_decode (buf, len, &plan, &bad_step, err, sizeof err) == 0)
    {
      vl_plan_print (&plan, sink);
      fflush (sink);
    }
  else if (err[0] == '\0')
    abort (); /* a failure must say why */
  vl_plan_free (&plan);
  free (buf);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  size_t len = size & ~(size_t) 3;

  if (sink == NULL && (sink = fopen ("/dev/null", "w")) == NULL)
    abort ();
  decode (data, size, 0);
  if (len >= VL_HEADER_SIZE && len <= VL_MAX_PLAN)
    decode (data, len, 1);
  return 0;
}
