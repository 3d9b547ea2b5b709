/* kernel-features: asks the running kernel, not its config or version number, for the features the
 * tests need; built and run once per test JVM by org.vserver.testsupport.HostFeatures. One line per
 * feature: NAME yes|no WHAT-WAS-SEEN. Changes nothing on the host.
 *
 *   ia32      int 0x80 getpid in a forked child (without IA-32 emulation the kernel kills it
 *             with SIGSEGV: the child, never this process, takes the signal)
 *   landlock  landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION): the ABI; scopes are 6
 *   audit     socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT)
 *   tcx       bpf(BPF_PROG_QUERY) of tcx ingress on lo: a kernel before 6.6 answers EINVAL
 *   sklookup  bpf(BPF_PROG_QUERY) of BPF_SK_LOOKUP on this network namespace: a kernel before 5.9
 *             (or without CONFIG_BPF_SYSCALL's netns hooks) answers EINVAL
 *
 * Numbers are spelled out: the build host's headers may predate the features. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define VL_NR_LANDLOCK_CREATE_RULESET 444
#define VL_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define VL_NETLINK_AUDIT 9
#define VL_BPF_PROG_QUERY 16
#define VL_BPF_TCX_INGRESS 46
#define VL_BPF_SK_LOOKUP 36

static void
ia32 (void)
{
  pid_t child = fork ();
  if (child < 0)
    {
      printf ("ia32 no fork: %s\n", strerrorname_np (errno));
      return;
    }
  if (child == 0)
    {
      long ret;
      __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(20L) /* i386 getpid */ : "memory");
      _exit (ret == (long) getpid () ? 0 : 2);
    }
  int status;
  if (waitpid (child, &status, 0) < 0)
    printf ("ia32 no waitpid: %s\n", strerrorname_np (errno));
  else if (WIFSIGNALED (status))
    printf ("ia32 no int 0x80 getpid in a child: killed by %s (a kernel without IA-32 emulation)\n",
            sigabbrev_np (WTERMSIG (status)) ? sigabbrev_np (WTERMSIG (status)) : "a signal");
  else if (WEXITSTATUS (status) != 0)
    printf ("ia32 no int 0x80 getpid in a child returned another pid\n");
  else
    printf ("ia32 yes int 0x80 getpid in a child works\n");
}

static void
landlock (void)
{
  long abi = syscall (VL_NR_LANDLOCK_CREATE_RULESET, NULL, 0, VL_LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 0)
    printf ("landlock no landlock_create_ruleset(VERSION): %s\n", strerrorname_np (errno));
  else
    printf ("landlock %s Landlock ABI %ld\n", abi >= 6 ? "yes" : "no", abi);
}

static void
audit (void)
{
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, VL_NETLINK_AUDIT);
  if (fd < 0)
    printf ("audit no socket(AF_NETLINK, NETLINK_AUDIT): %s\n", strerrorname_np (errno));
  else
    {
      printf ("audit yes socket(AF_NETLINK, NETLINK_AUDIT) works\n");
      close (fd);
    }
}

static void
tcx (void)
{
  /* union bpf_attr, the query member: target_ifindex, attach_type, query_flags, attach_flags,
   * prog_ids, prog_cnt, ...; zeroed past what we set (the kernel checks that) */
  uint64_t attr[8] = { 0 };
  uint32_t *w = (uint32_t *) attr;
  w[0] = 1;                   /* lo */
  w[1] = VL_BPF_TCX_INGRESS;
  if (syscall (SYS_bpf, VL_BPF_PROG_QUERY, attr, sizeof attr) < 0)
    printf ("tcx no bpf(BPF_PROG_QUERY tcx ingress, lo): %s\n", strerrorname_np (errno));
  else
    printf ("tcx yes bpf(BPF_PROG_QUERY tcx ingress, lo) works\n");
}

static void
sklookup (void)
{
  uint64_t attr[8] = { 0 };
  uint32_t *w = (uint32_t *) attr;
  int ns = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (ns < 0)
    {
      printf ("sklookup no open(/proc/self/ns/net): %s\n", strerrorname_np (errno));
      return;
    }
  w[0] = ns;
  w[1] = VL_BPF_SK_LOOKUP;
  if (syscall (SYS_bpf, VL_BPF_PROG_QUERY, attr, sizeof attr) < 0)
    printf ("sklookup no bpf(BPF_PROG_QUERY sk_lookup, this netns): %s\n", strerrorname_np (errno));
  else
    printf ("sklookup yes bpf(BPF_PROG_QUERY sk_lookup, this netns) works\n");
  close (ns);
}

int
main (void)
{
  setvbuf (stdout, NULL, _IOLBF, 0);   /* the fork must not duplicate buffered lines */
  ia32 ();
  landlock ();
  audit ();
  tcx ();
  sklookup ();
  return 0;
}
