/* text.c: the plan as text (--dry-run), byte for byte what org.vserver.plan.PlanText renders.
 *
 * The flag and capability names are keyed by the C library's and the kernel's own constants, not
 * by numbers copied from Java, so PlanTextAgreementTest also checks MountFlag, Namespace and
 * Capability against <sys/mount.h>, <sched.h> and <linux/capability.h>.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>

#include "plan.h"

struct vl_flag
{
  uint64_t bit;
  const char *name;
};

/* ascending bit order, as org.vserver.plan.MountFlag lists them */
static const struct vl_flag mount_flags[] = {
  { MS_RDONLY, "RDONLY" },
  { MS_NOSUID, "NOSUID" },
  { MS_NODEV, "NODEV" },
  { MS_NOEXEC, "NOEXEC" },
  { MS_SYNCHRONOUS, "SYNCHRONOUS" },
  { MS_REMOUNT, "REMOUNT" },
  { MS_MANDLOCK, "MANDLOCK" },
  { MS_DIRSYNC, "DIRSYNC" },
  { MS_NOSYMFOLLOW, "NOSYMFOLLOW" },
  { MS_NOATIME, "NOATIME" },
  { MS_NODIRATIME, "NODIRATIME" },
  { MS_BIND, "BIND" },
  { MS_MOVE, "MOVE" },
  { MS_REC, "REC" },
  { MS_SILENT, "SILENT" },
  { MS_POSIXACL, "POSIXACL" },
  { MS_UNBINDABLE, "UNBINDABLE" },
  { MS_PRIVATE, "PRIVATE" },
  { MS_SLAVE, "SLAVE" },
  { MS_SHARED, "SHARED" },
  { MS_RELATIME, "RELATIME" },
  { MS_STRICTATIME, "STRICTATIME" },
  { MS_LAZYTIME, "LAZYTIME" },
  { 0, NULL },
};

/* ascending bit order, as org.vserver.plan.Namespace lists them */
static const struct vl_flag ns_flags[] = {
  { CLONE_NEWTIME, "NEWTIME" },
  { CLONE_NEWNS, "NEWNS" },
  { CLONE_NEWCGROUP, "NEWCGROUP" },
  { CLONE_NEWUTS, "NEWUTS" },
  { CLONE_NEWIPC, "NEWIPC" },
  { CLONE_NEWUSER, "NEWUSER" },
  { CLONE_NEWPID, "NEWPID" },
  { CLONE_NEWNET, "NEWNET" },
  { 0, NULL },
};

/* by capability number, as org.vserver.plan.Capability declares them */
static const char *const cap_names[64] = {
  [CAP_CHOWN] = "chown",
  [CAP_DAC_OVERRIDE] = "dac_override",
  [CAP_DAC_READ_SEARCH] = "dac_read_search",
  [CAP_FOWNER] = "fowner",
  [CAP_FSETID] = "fsetid",
  [CAP_KILL] = "kill",
  [CAP_SETGID] = "setgid",
  [CAP_SETUID] = "setuid",
  [CAP_SETPCAP] = "setpcap",
  [CAP_LINUX_IMMUTABLE] = "linux_immutable",
  [CAP_NET_BIND_SERVICE] = "net_bind_service",
  [CAP_NET_BROADCAST] = "net_broadcast",
  [CAP_NET_ADMIN] = "net_admin",
  [CAP_NET_RAW] = "net_raw",
  [CAP_IPC_LOCK] = "ipc_lock",
  [CAP_IPC_OWNER] = "ipc_owner",
  [CAP_SYS_MODULE] = "sys_module",
  [CAP_SYS_RAWIO] = "sys_rawio",
  [CAP_SYS_CHROOT] = "sys_chroot",
  [CAP_SYS_PTRACE] = "sys_ptrace",
  [CAP_SYS_PACCT] = "sys_pacct",
  [CAP_SYS_ADMIN] = "sys_admin",
  [CAP_SYS_BOOT] = "sys_boot",
  [CAP_SYS_NICE] = "sys_nice",
  [CAP_SYS_RESOURCE] = "sys_resource",
  [CAP_SYS_TIME] = "sys_time",
  [CAP_SYS_TTY_CONFIG] = "sys_tty_config",
  [CAP_MKNOD] = "mknod",
  [CAP_LEASE] = "lease",
  [CAP_AUDIT_WRITE] = "audit_write",
  [CAP_AUDIT_CONTROL] = "audit_control",
  [CAP_SETFCAP] = "setfcap",
  [CAP_MAC_OVERRIDE] = "mac_override",
  [CAP_MAC_ADMIN] = "mac_admin",
  [CAP_SYSLOG] = "syslog",
  [CAP_WAKE_ALARM] = "wake_alarm",
  [CAP_BLOCK_SUSPEND] = "block_suspend",
  [CAP_AUDIT_READ] = "audit_read",
  [CAP_PERFMON] = "perfmon",
  [CAP_BPF] = "bpf",
  [CAP_CHECKPOINT_RESTORE] = "checkpoint_restore",
};

/* NAMES of the set bits joined by SEP, then the unknown rest as 0x..; EMPTY for none */
static void
print_bits (FILE *out, uint64_t bits, const struct vl_flag *names, const char *sep,
            const char *empty)
{
  uint64_t rest = bits;
  const char *s = "";

  if (bits == 0)
    {
      fputs (empty, out);
      return;
    }
  for (; names->name; names++)
    if (bits & names->bit)
      {
        fprintf (out, "%s%s", s, names->name);
        rest &= ~names->bit;
        s = sep;
      }
  if (rest)
    fprintf (out, "%s0x%" PRIx64, s, rest);
}

static void
print_caps (FILE *out, uint64_t bits)
{
  uint64_t rest = bits;
  const char *s = "";
  int cap;

  if (bits == 0)
    {
      fputs ("none", out);
      return;
    }
  for (cap = 0; cap < 64; cap++)
    if ((bits & (UINT64_C (1) << cap)) && cap_names[cap])
      {
        fprintf (out, "%s%s", s, cap_names[cap]);
        rest &= ~(UINT64_C (1) << cap);
        s = ",";
      }
  if (rest)
    fprintf (out, "%s0x%" PRIx64, s, rest);
}

/* "..." with \\ and \" escaped and every byte outside 0x20..0x7e as \xhh */
static void
print_quoted (FILE *out, const char *str)
{
  const unsigned char *p;

  putc ('"', out);
  for (p = (const unsigned char *) str; *p; p++)
    if (*p == '"' || *p == '\\')
      fprintf (out, "\\%c", *p);
    else if (*p < 0x20 || *p >= 0x7f)
      fprintf (out, "\\x%02x", *p);
    else
      putc (*p, out);
  putc ('"', out);
}

static void
print_field (FILE *out, char type, const union vl_field *f)
{
  uint32_t i;

  switch (type)
    {
    case 'i':
      fprintf (out, "%" PRId32, f->i);
      break;
    case 'o':
      fprintf (out, "%#" PRIo32, (uint32_t) f->i);
      break;
    case 'u':
      if (f->u == UINT64_MAX)
        fputs ("inf", out);
      else
        fprintf (out, "%" PRIu64, f->u);
      break;
    case 'M':
      print_bits (out, f->u, mount_flags, "|", "0");
      break;
    case 'N':
      print_bits (out, f->u, ns_flags, "|", "0");
      break;
    case 'K':
      print_caps (out, f->u);
      break;
    case 's':
      if (f->s == NULL)
        putc ('-', out);
      else
        print_quoted (out, f->s);
      break;
    case 'v':
      fputs ("[ ", out);
      for (i = 0; i < f->v.n; i++)
        {
          print_quoted (out, f->v.p[i]);
          putc (' ', out);
        }
      putc (']', out);
      break;
    case 'F':
    case 'E':
      {
        const unsigned char *b = f->bpf.p;
        uint64_t h = UINT64_C (0xcbf29ce484222325);

        for (i = 0; i < f->bpf.n * 8; i++)
          h = (h ^ b[i]) * UINT64_C (0x100000001b3);
        fprintf (out, "%s[%" PRIu32 " insns fnv1a %016" PRIx64 "]", type == 'E' ? "ebpf" : "bpf", f->bpf.n, h);
      }
      break;
    case 'I':
      fputs ("[ ", out);
      for (i = 0; i < f->ints.n; i++)
        fprintf (out, "%" PRId32 " ", f->ints.p[i]);
      putc (']', out);
      break;
    }
}

void
vl_rec_print (const struct vl_rec *r, FILE *out)
{
  int k;

  fputs (r->name, out);
  for (k = 0; r->sig[k]; k++)
    {
      putc (' ', out);
      print_field (out, r->sig[k], &r->f[k]);
    }
}

void
vl_plan_print (const struct vl_plan *plan, FILE *out)
{
  uint32_t i;
  int k;

  fprintf (out, "plan v%d: %" PRIu32 " steps\n", VL_VERSION, plan->count);
  for (i = 0; i < plan->count; i++)
    {
      const struct vl_rec *r = &plan->rec[i];

      fprintf (out, "%3" PRIu32 " %s", i, r->name);
      for (k = 0; r->sig[k]; k++)
        {
          putc (' ', out);
          print_field (out, r->sig[k], &r->f[k]);
        }
      putc ('\n', out);
    }
}
