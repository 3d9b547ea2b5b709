/* plan.h: a plan read from its wire form (protocol.h), validated and decoded into records.
 *
 * Validation happens once, for the whole plan, before any op runs: a record that does not match
 * its op's signature byte for byte fails the plan. Decoded values point into the plan buffer,
 * which lives as long as the process.
 */
#ifndef VL_PLAN_H
#define VL_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "protocol.h"

#define VL_HEADER_SIZE     16u
#define VL_REC_HEADER_SIZE 8u
#define VL_MAX_FIELDS      8           /* VETH "sssssiiE" */
#define VL_MAX_PLAN        (16u << 20) /* a plan is a few KiB; this only bounds a bad total_len */
#define VL_STEP_HEADER     0xffffffffu /* the failing "step" of a header problem */
#define VL_MAX_BPF         4096u       /* BPF_MAXINSNS */

/* One decoded field; which member is live follows the op's signature character. */
union vl_field
{
  int32_t i;      /* 'i', 'o' */
  uint64_t u;     /* 'u' 'M' 'N' 'K' */
  const char *s;  /* 's': NULL for the NULL string */
  struct
  {
    uint32_t n;
    char **p;     /* 'v': n strings, then a NULL (ready for execve) */
  } v;
  struct
  {
    uint32_t n;
    int32_t *p;   /* 'I': n values (copied out, aligned) */
  } ints;
  struct
  {
    uint32_t n;
    void *p;      /* 'F': n struct sock_filter (copied out, aligned) */
  } bpf;
};

struct vl_rec
{
  unsigned op;      /* VL_OP_* */
  const char *name; /* "MOUNT" */
  const char *sig;  /* "sssMs" */
  union vl_field f[VL_MAX_FIELDS];
};

struct vl_plan
{
  uint32_t count;
  struct vl_rec *rec;
};

/* The op's name and signature, or NULL for an unknown op. */
const char *vl_op_name (unsigned op);
const char *vl_op_sig (unsigned op);

/* Checks the header of a plan; returns its total_len, or 0 with ERR filled. */
uint32_t vl_plan_header (const unsigned char *hdr, char *err, size_t errlen);

/* Validates and decodes LEN bytes (header included). Returns 0, or -1 with *BAD_STEP set to the
   failing record's index (VL_STEP_HEADER for the header) and ERR describing the problem. Either
   way PLAN is left for vl_plan_free. */
int vl_plan_decode (const unsigned char *buf, size_t len, struct vl_plan *plan, uint32_t *bad_step,
                    char *err, size_t errlen);

/* Frees what vl_plan_decode allocated, after success or failure (the plan buffer stays). The
   launcher keeps its plan until it execs; the fuzz target (fuzz/plan_fuzz.c) frees every one, so
   that LeakSanitizer sees a leak of the decoder as a finding. */
void vl_plan_free (struct vl_plan *plan);

/* Reads a whole plan from FD (header, then total_len - 16 bytes) into a new buffer.
   Returns it with *LEN set, or NULL: errno set, ERR describing the problem. */
unsigned char *vl_plan_read (int fd, size_t *len, char *err, size_t errlen);

/* Reads the plan file PATH, which must hold exactly one plan; as vl_plan_read. */
unsigned char *vl_plan_load (const char *path, size_t *len, char *err, size_t errlen);

/* text.c: one record as its line shows it, without the index (no newline). */
void vl_rec_print (const struct vl_rec *r, FILE *out);

/* text.c: prints the plan exactly as org.vserver.plan.PlanText.render() does. */
void vl_plan_print (const struct vl_plan *plan, FILE *out);

#endif
