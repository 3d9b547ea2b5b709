/* plan.c: read, validate and decode a plan (wire format: protocol.h).
 *
 * Every byte is accounted for: each record must be exactly what its op's signature consumes,
 * with zero padding, strings NUL-terminated and free of inner NULs. Nothing runs until the
 * whole plan has passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"

#define VL_NULL_STRING 0xffffffffu

static const struct
{
  const char *name;
  const char *sig;
} vl_ops[] = {
#define VL_OP_ENTRY(n, name, sig) [n] = { #name, sig },
  VL_OPS (VL_OP_ENTRY)
#undef VL_OP_ENTRY
};

const char *
vl_op_name (unsigned op)
{
  return op < sizeof vl_ops / sizeof vl_ops[0] ? vl_ops[op].name : NULL;
}

const char *
vl_op_sig (unsigned op)
{
  return op < sizeof vl_ops / sizeof vl_ops[0] ? vl_ops[op].sig : NULL;
}

static int
bad (char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (err, errlen, fmt, ap);
  va_end (ap);
  errno = EINVAL;
  return -1;
}

static uint32_t
get32 (const unsigned char *p)
{
  uint32_t v;
  memcpy (&v, p, sizeof v);
  return v;
}

static uint16_t
get16 (const unsigned char *p)
{
  uint16_t v;
  memcpy (&v, p, sizeof v);
  return v;
}

static uint64_t
pad4 (uint64_t n)
{
  return (n + 3) & ~(uint64_t) 3;
}

/* true if [from, to) of P is all zero */
static int
zero_pad (const unsigned char *p, uint64_t from, uint64_t to)
{
  for (; from < to; from++)
    if (p[from] != 0)
      return 0;
  return 1;
}

uint32_t
vl_plan_header (const unsigned char *hdr, char *err, size_t errlen)
{
  uint32_t magic = get32 (hdr), total = get32 (hdr + 8);
  uint16_t version = get16 (hdr + 4), flags = get16 (hdr + 6);

  if (magic != VL_MAGIC)
    return bad (err, errlen, "bad magic 0x%08x (want 0x%08x)", magic, VL_MAGIC), 0;
  if (version != VL_VERSION)
    return bad (err, errlen, "protocol version %u (this launcher speaks %u)", version, VL_VERSION), 0;
  if (flags != 0)
    return bad (err, errlen, "header flags 0x%x (must be 0)", flags), 0;
  if (total < VL_HEADER_SIZE || total > VL_MAX_PLAN || total % 4 != 0)
    return bad (err, errlen, "bad total length %u", total), 0;
  return total;
}

/* Decodes one record P of LEN bytes (its header included) into R. */
static int
decode_record (const unsigned char *p, uint32_t len, struct vl_rec *r, char *err, size_t errlen)
{
  uint64_t off = VL_REC_HEADER_SIZE;
  int k;

  for (k = 0; r->sig[k]; k++)
    {
      union vl_field *f = &r->f[k];
      uint64_t n, bytes, i;
      char c = r->sig[k];

#define NEED(x)                                                                                    \
  do                                                                                               \
    if ((uint64_t) (x) > len - off)                                                                \
      return bad (err, errlen, "%s: field %d ('%c') runs past the record (%u bytes)", r->name,    \
                  k, c, len);                                                                      \
  while (0)

      switch (c)
        {
        case 'i':
        case 'o':
          NEED (4);
          memcpy (&f->i, p + off, 4);
          off += 4;
          break;

        case 'u':
        case 'M':
        case 'N':
        case 'K':
          NEED (8);
          memcpy (&f->u, p + off, 8);
          off += 8;
          break;

        case 's':
          NEED (4);
          n = get32 (p + off);
          off += 4;
          if (n == VL_NULL_STRING)
            {
              f->s = NULL;
              break;
            }
          NEED (pad4 (n + 1));
          if (p[off + n] != 0 || memchr (p + off, 0, n) != NULL)
            return bad (err, errlen, "%s: field %d: string of %llu bytes is not NUL-terminated",
                        r->name, k, (unsigned long long) n);
          if (!zero_pad (p, off + n + 1, off + pad4 (n + 1)))
            return bad (err, errlen, "%s: field %d: non-zero padding", r->name, k);
          f->s = (const char *) p + off;
          off += pad4 (n + 1);
          break;

        case 'v':
          NEED (8);
          n = get32 (p + off);
          bytes = get32 (p + off + 4);
          off += 8;
          NEED (pad4 (bytes));
          {
            const char *block = (const char *) p + off;
            uint64_t nuls = 0, s = 0;

            for (i = 0; i < bytes; i++)
              nuls += block[i] == 0;
            if (nuls != n || (bytes > 0 && block[bytes - 1] != 0))
              return bad (err, errlen, "%s: field %d: %llu strings announced, block holds %llu",
                          r->name, k, (unsigned long long) n, (unsigned long long) nuls);
            if (!zero_pad (p, off + bytes, off + pad4 (bytes)))
              return bad (err, errlen, "%s: field %d: non-zero padding", r->name, k);
            f->v.n = n;
            f->v.p = calloc (n + 1, sizeof (char *));
            if (f->v.p == NULL)
              return bad (err, errlen, "out of memory");
            for (i = 0; i < n; i++)
              {
                f->v.p[i] = (char *) block + s;
                s += strlen (block + s) + 1;
              }
          }
          off += pad4 (bytes);
          break;

        case 'I':
          NEED (4);
          n = get32 (p + off);
          off += 4;
          NEED (n * 4);
          f->ints.n = n;
          f->ints.p = calloc (n + 1, sizeof (int32_t));
          if (f->ints.p == NULL)
            return bad (err, errlen, "out of memory");
          memcpy (f->ints.p, p + off, n * 4);
          off += n * 4;
          break;

        case 'F':
        case 'E':
          NEED (4);
          n = get32 (p + off);
          off += 4;
          if (n == 0 || n > VL_MAX_BPF)
            return bad (err, errlen, "%s: field %d: %llu BPF instructions (1..%u)", r->name, k,
                        (unsigned long long) n, VL_MAX_BPF);
          NEED (n * 8);
          f->bpf.n = n;
          f->bpf.p = malloc (n * 8);
          if (f->bpf.p == NULL)
            return bad (err, errlen, "out of memory");
          memcpy (f->bpf.p, p + off, n * 8);
          off += n * 8;
          break;

        default:
          return bad (err, errlen, "%s: unknown field type '%c'", r->name, c);
        }
#undef NEED
    }
  if (off != len)
    return bad (err, errlen, "%s: record length %u, its fields take %llu", r->name, len,
                (unsigned long long) off);
  return 0;
}

int
vl_plan_decode (const unsigned char *buf, size_t len, struct vl_plan *plan, uint32_t *bad_step,
                char *err, size_t errlen)
{
  uint32_t total, count, i;
  uint64_t off = VL_HEADER_SIZE;

  *bad_step = VL_STEP_HEADER;
  plan->count = 0;
  plan->rec = NULL;
  if (len < VL_HEADER_SIZE)
    return bad (err, errlen, "truncated header (%zu bytes)", len);
  total = vl_plan_header (buf, err, errlen);
  if (total == 0)
    return -1;
  if (total != len)
    return bad (err, errlen, "total length %u, plan has %zu bytes", total, len);
  count = get32 (buf + 12);
  if (count > (total - VL_HEADER_SIZE) / VL_REC_HEADER_SIZE)
    return bad (err, errlen, "%u records cannot fit in %u bytes", count, total);

  plan->rec = calloc (count + 1, sizeof (struct vl_rec));
  if (plan->rec == NULL)
    return bad (err, errlen, "out of memory");
  plan->count = count;

  for (i = 0; i < count; i++)
    {
      struct vl_rec *r = &plan->rec[i];
      uint32_t rlen;

      *bad_step = i;
      if (total - off < VL_REC_HEADER_SIZE)
        return bad (err, errlen, "record header runs past the plan");
      rlen = get32 (buf + off);
      r->op = get16 (buf + off + 4);
      if (rlen < VL_REC_HEADER_SIZE || rlen % 4 != 0 || rlen > total - off)
        return bad (err, errlen, "bad record length %u", rlen);
      if (get16 (buf + off + 6) != 0)
        return bad (err, errlen, "reserved field is not 0");
      r->name = vl_op_name (r->op);
      r->sig = vl_op_sig (r->op);
      if (r->name == NULL)
        return bad (err, errlen, "unknown op %u", r->op);
      if (decode_record (buf + off, rlen, r, err, errlen) < 0)
        return -1;
      off += rlen;
    }
  if (off != total)
    {
      *bad_step = VL_STEP_HEADER;
      return bad (err, errlen, "%llu bytes after the last of %u records",
                  (unsigned long long) (total - off), count);
    }
  return 0;
}

void
vl_plan_free (struct vl_plan *plan)
{
  uint32_t i;
  int k;

  for (i = 0; plan->rec != NULL && i < plan->count; i++)
    {
      struct vl_rec *r = &plan->rec[i];

      /* a record past the failing one, or of an unknown op, has no signature: nothing to free */
      for (k = 0; r->sig != NULL && r->sig[k]; k++)
        switch (r->sig[k])
          {
          case 'v':
            free (r->f[k].v.p);
            break;
          case 'I':
            free (r->f[k].ints.p);
            break;
          case 'F':
          case 'E':
            free (r->f[k].bpf.p);
            break;
          }
    }
  free (plan->rec);
  plan->count = 0;
  plan->rec = NULL;
}

/* Reads exactly N bytes unless EOF comes first; returns the count read, or -1. */
static ssize_t
read_full (int fd, unsigned char *buf, size_t n)
{
  size_t got = 0;

  while (got < n)
    {
      ssize_t r = read (fd, buf + got, n - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if (r == 0)
        break;
      got += r;
    }
  return got;
}

static unsigned char *
read_error (char *err, size_t errlen, const char *what)
{
  int e = errno;
  snprintf (err, errlen, "read %s: %s", what, strerror (e));
  errno = e;
  return NULL;
}

unsigned char *
vl_plan_read (int fd, size_t *len, char *err, size_t errlen)
{
  unsigned char hdr[VL_HEADER_SIZE], *buf;
  uint32_t total;
  ssize_t r;

  r = read_full (fd, hdr, sizeof hdr);
  if (r < 0)
    return read_error (err, errlen, "plan header");
  if (r != (ssize_t) sizeof hdr)
    return bad (err, errlen, "truncated header (%zd bytes)", r), NULL;
  total = vl_plan_header (hdr, err, errlen);
  if (total == 0)
    return NULL;
  buf = malloc (total);
  if (buf == NULL)
    return bad (err, errlen, "out of memory"), NULL;
  memcpy (buf, hdr, sizeof hdr);
  r = read_full (fd, buf + sizeof hdr, total - sizeof hdr);
  if (r < 0)
    return read_error (err, errlen, "plan");
  if ((size_t) r != total - sizeof hdr)
    return bad (err, errlen, "truncated plan: %zu of %u bytes", sizeof hdr + r, total), NULL;
  *len = total;
  return buf;
}

unsigned char *
vl_plan_load (const char *path, size_t *len, char *err, size_t errlen)
{
  unsigned char *buf, extra;
  ssize_t r;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int e = errno;
      snprintf (err, errlen, "open(`%s`) failed: %s", path, strerror (e));
      errno = e;
      return NULL;
    }
  buf = vl_plan_read (fd, len, err, errlen);
  if (buf != NULL)
    {
      r = read_full (fd, &extra, 1);
      if (r != 0)
        {
          free (buf);
          buf = r < 0 ? read_error (err, errlen, path)
                      : (bad (err, errlen, "data after the plan's total length %zu", *len), NULL);
        }
    }
  close (fd);
  return buf;
}
