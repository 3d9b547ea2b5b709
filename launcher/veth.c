/* veth.c: a netns guest's network, made by the launcher before the guest's init exists
 * (doc/plan-cache.md). Its network namespace is already there, held by fd (the user namespace's
 * holder made it, or NETNS_CREATE), so nothing waits for the child:
 *
 *   NETNS_CREATE fd       a netns owned by the host's user namespace (a guest without one)
 *   VETH ...              the bridge (vserver's if it makes it), the veth with its guest end moved
 *                         into the netns, the anti-spoofing filter, MTU, port, up
 *   NETNS_CONFIG ...      inside the netns: lo, the guest's device, its addresses and routes
 *
 * Journal lines, each written before its change ("already gone" is done, as everywhere):
 *   bridge NETNS NAME RUNDIR   the guest joined bridge NAME: undo removes it if vserver created it
 *                              (RUNDIR/NAME.bridge) and no port is left, under RUNDIR/.network.lock
 *   veth NETNS NAME            the host end; the guest's end goes with it
 * NETNS is the inode of the network namespace the change was made in: an undo run in another one
 * (a stop under `ip netns exec`) refuses rather than remove a same-named device there.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

#define SPOOF_NAME "vserver_spoof"
/* enum bpf_attach_type BPF_TCX_INGRESS (6.6), which older uapi headers lack */
#define VL_TCX_INGRESS 46

/* NETNS_CREATE fd: unshare(CLONE_NEWNET), kept at FD (close-on-exec), and back to our own. */
int
op_netns_create (struct vl_ctx *ctx, const struct vl_rec *r)
{
  int self, ns, err;

  (void) ctx;
  self = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return vl_fail ("open", "/proc/self/ns/net");
  if (unshare (CLONE_NEWNET) < 0)
    return err = errno, close (self), vl_fail_errno ("unshare(CLONE_NEWNET)", NULL, err);
  ns = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  err = ns < 0 ? errno : 0;
  if (setns (self, CLONE_NEWNET) < 0)
    {
      /* the rest of the host steps would run in the wrong namespace: nothing may follow */
      err = errno;
      close (self);
      return vl_fail_errno ("setns(CLONE_NEWNET, the launcher's own)", NULL, err);
    }
  close (self);
  if (ns < 0)
    return vl_fail_errno ("open", "/proc/self/ns/net", err);
  if (ns != r->f[0].i && (dup3 (ns, r->f[0].i, O_CLOEXEC) < 0 || close (ns) < 0))
    return vl_fail ("dup3", NULL);
  return 0;
}

static int
journal_netns (struct vl_ctx *ctx, const char *verb, const char *fmt, const char *a, const char *b)
{
  char line[4200];

  snprintf (line, sizeof line, "%lu ", vl_netns_inode ());
  snprintf (line + strlen (line), sizeof line - strlen (line), fmt, a, b);
  return vl_journal_note (ctx, verb, line);
}

static int
parse_mac (const char *text, unsigned char mac[6])
{
  unsigned v[6];
  int i;

  if (sscanf (text, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
    return -1;
  for (i = 0; i < 6; i++)
    mac[i] = (unsigned char) v[i];
  return 0;
}

/* The bridge NAME, made (up, with MTU if > 0, and vserver's marker) if the host has none; its link,
   or -1 after vl_fail. Under the network lock: a stopping guest may be removing it. */
static int
join_bridge (struct vl_ctx *ctx, int nl, const char *bridge, const char *rundir, int mtu, struct vl_link *out)
{
  char marker[4200];
  struct vl_nl m;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
  size_t info;
  int have, fd, rc;

  if (journal_netns (ctx, "bridge", "%s %s", bridge, rundir) < 0)
    return -1;
  have = vl_nl_link (nl, bridge, out);
  if (have < 0)
    return vl_failf (-have, "RTM_GETLINK(`%s`)", bridge);
  if (have)
    {
      if (strcmp (out->kind, "bridge") != 0)
        return vl_failf (EINVAL, "!%s (interfaces/bridge) is a %s, not a bridge: name another bridge, or remove that device",
                         bridge, out->kind[0] ? out->kind : "device");
      return 0;
    }
  snprintf (marker, sizeof marker, "%s/%s.bridge", rundir, bridge);
  fd = open (marker, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return vl_fail ("open", marker);
  if (write (fd, "created by vserver\n", 19) != 19)
    return rc = errno, close (fd), vl_fail_errno ("write", marker, rc);
  close (fd);
  vl_nl_init (&m, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  vl_nl_put (&m, &ifi, sizeof ifi);
  vl_nl_str (&m, IFLA_IFNAME, bridge);
  if (mtu > 0)
    vl_nl_u32 (&m, IFLA_MTU, (uint32_t) mtu);
  info = vl_nl_begin (&m, IFLA_LINKINFO);
  vl_nl_str (&m, IFLA_INFO_KIND, "bridge");
  vl_nl_end (&m, info);
  rc = vl_nl_transact (nl, &m);
  if (rc < 0)
    return vl_failf (-rc, "RTM_NEWLINK(`%s` type bridge)", bridge);
  have = vl_nl_link (nl, bridge, out);
  if (have <= 0)
    return vl_failf (have < 0 ? -have : ENODEV, "RTM_GETLINK(`%s`)", bridge);
  return 0;
}

/* Loads the spoofing filter and attaches it at tcx ingress of INDEX: every frame the guest sends
   passes it before the bridge sees it. The attachment holds the program; it goes with the device. */
static int
spoof_filter (const union vl_field *prog, int index, const char *dev)
{
  int fd = vl_bpf_load (BPF_PROG_TYPE_SCHED_CLS, VL_TCX_INGRESS, SPOOF_NAME, prog), rc;

  if (fd < 0)
    return -1;
  rc = vl_bpf_attach (index, fd, VL_TCX_INGRESS, 0);
  close (fd);
  if (rc == -EINVAL)
    return vl_failf (EINVAL, "bpf(BPF_PROG_ATTACH, tcx ingress of `%s`): a kernel older than 6.6 has no tcx: upgrade"
                     " the kernel or give the guest no private network (interfaces/mode)", dev);
  if (rc < 0)
    return vl_failf (-rc, "bpf(BPF_PROG_ATTACH, tcx ingress of `%s`)", dev);
  return 0;
}

/* VETH bridge rundir host guest mac netns_fd mtu spoof_program */
int
op_veth (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *bridge = r->f[0].s, *rundir = r->f[1].s, *host = r->f[2].s, *guest = r->f[3].s;
  int netns = r->f[5].i, mtu = r->f[6].i, nl, lock, rc = -1, have;
  char lock_path[4200];
  unsigned char mac[6];
  struct vl_link br, l;
  struct vl_nl m;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  size_t info, data, peer;

  if (parse_mac (r->f[4].s, mac) < 0)
    return vl_failf (EINVAL, "VETH(`%s`): `%s` is no MAC address", host, r->f[4].s);
  if (strlen (host) >= IF_NAMESIZE || strlen (guest) >= IF_NAMESIZE || strlen (bridge) >= IF_NAMESIZE)
    return vl_failf (ENAMETOOLONG, "VETH(`%s`, `%s`, bridge `%s`): a device name has at most %d characters", host, guest,
                     bridge, IF_NAMESIZE - 1);
  snprintf (lock_path, sizeof lock_path, "%s/.network.lock", rundir);
  lock = vl_lock_guest (lock_path);
  if (lock < 0)
    return vl_fail ("open", lock_path);
  nl = vl_nl_open ();
  if (nl < 0)
    {
      vl_fail ("socket(AF_NETLINK)", NULL);
      goto out;
    }
  if (join_bridge (ctx, nl, bridge, rundir, mtu, &br) < 0)
    goto out;
  if (mtu <= 0)
    mtu = (int) br.mtu;
  have = vl_nl_link (nl, host, &l);
  if (have != 0)
    {
      if (have > 0)
        vl_failf (EEXIST, "!link %s already exists on the host (a guest with the same XID runs in another network"
                          " namespace?): delete it with: ip link del %s", host, host);
      else
        vl_failf (-have, "RTM_GETLINK(`%s`)", host);
      goto out;
    }
  if (journal_netns (ctx, "veth", "%s%s", host, "") < 0)
    goto out;
  /* ip link add HOST mtu M type veth peer name GUEST address MAC mtu M netns FD: the guest's end is
     made in its namespace at once, so its name never meets the host's */
  vl_nl_init (&m, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  vl_nl_put (&m, &ifi, sizeof ifi);
  vl_nl_str (&m, IFLA_IFNAME, host);
  vl_nl_u32 (&m, IFLA_MTU, (uint32_t) mtu);
  info = vl_nl_begin (&m, IFLA_LINKINFO);
  vl_nl_str (&m, IFLA_INFO_KIND, "veth");
  data = vl_nl_begin (&m, IFLA_INFO_DATA);
  peer = vl_nl_begin (&m, VETH_INFO_PEER); /* an ifinfomsg, then the peer's own attributes */
  vl_nl_put (&m, &ifi, sizeof ifi);
  vl_nl_str (&m, IFLA_IFNAME, guest);
  vl_nl_attr (&m, IFLA_ADDRESS, mac, 6);
  vl_nl_u32 (&m, IFLA_MTU, (uint32_t) mtu);
  vl_nl_u32 (&m, IFLA_NET_NS_FD, (uint32_t) netns);
  vl_nl_end (&m, peer);
  vl_nl_end (&m, data);
  vl_nl_end (&m, info);
  have = vl_nl_transact (nl, &m);
  if (have < 0)
    {
      vl_failf (-have, "RTM_NEWLINK(`%s` type veth peer `%s` netns fd %d)", host, guest, netns);
      goto out;
    }
  have = vl_nl_link (nl, host, &l);
  if (have <= 0)
    {
      vl_failf (have < 0 ? -have : ENODEV, "RTM_GETLINK(`%s`)", host);
      goto out;
    }
  if (spoof_filter (&r->f[7], l.index, host) < 0) /* before the port can forward anything */
    goto out;
  if ((have = vl_nl_set_link (nl, l.index, 0, 0, IFLA_MASTER, (uint32_t) br.index)) < 0)
    {
      vl_failf (-have, "RTM_NEWLINK(`%s` master `%s`)", host, bridge);
      goto out;
    }
  if ((have = vl_nl_set_link (nl, l.index, IFF_UP, IFF_UP, 0, 0)) < 0)
    {
      vl_failf (-have, "RTM_NEWLINK(`%s` up)", host);
      goto out;
    }
  rc = 0;
out:
  if (nl >= 0)
    close (nl);
  vl_unlock_guest (lock_path, lock);
  return rc;
}

struct gateway_query
{
  int bridge, family;
  const unsigned char *guest; /* the guest's first address of the family */
  unsigned char found[16];
  int have;
};

static int
same_subnet (const unsigned char *a, const unsigned char *b, int prefix)
{
  int bit;

  for (bit = 0; bit < prefix; bit++)
    if ((a[bit / 8] ^ b[bit / 8]) & (0x80 >> (bit % 8)))
      return 0;
  return 1;
}

static void
gateway_each (struct nlmsghdr *h, void *arg)
{
  struct gateway_query *q = arg;
  struct ifaddrmsg *ifa;
  struct rtattr *a;
  int alen;
  size_t len = q->family == AF_INET ? 4 : 16;

  if (h->nlmsg_type != RTM_NEWADDR || q->have)
    return;
  ifa = NLMSG_DATA (h);
  if ((int) ifa->ifa_index != q->bridge || ifa->ifa_family != q->family)
    return;
  alen = IFA_PAYLOAD (h);
  for (a = IFA_RTA (ifa); RTA_OK (a, alen); a = RTA_NEXT (a, alen))
    if (a->rta_type == IFA_ADDRESS && RTA_PAYLOAD (a) == len && same_subnet (RTA_DATA (a), q->guest, ifa->ifa_prefixlen))
      {
        memcpy (q->found, RTA_DATA (a), len);
        q->have = 1;
        return;
      }
}

/* ip route add default via GW dev INDEX, in the namespace of NL. */
static int
default_route (int nl, int index, int family, const unsigned char *gw, const char *text)
{
  struct vl_nl m;
  struct rtmsg rt = { .rtm_family = family, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT,
                      .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST };
  int rc;

  vl_nl_init (&m, RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  vl_nl_put (&m, &rt, sizeof rt);
  vl_nl_attr (&m, RTA_GATEWAY, gw, family == AF_INET ? 4 : 16);
  vl_nl_u32 (&m, RTA_OIF, (uint32_t) index);
  rc = vl_nl_transact (nl, &m);
  return rc < 0 ? vl_failf (-rc, "RTM_NEWROUTE(default via `%s`, in the guest)", text) : 0;
}

/* A NETLINK_ROUTE socket of the namespace at FD: made there, then back to our own (a netlink socket
   stays with the namespace it was made in). */
static int
socket_in (int fd)
{
  int self = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), nl = -1, err;

  if (self < 0)
    return vl_fail ("open", "/proc/self/ns/net");
  if (setns (fd, CLONE_NEWNET) < 0)
    return err = errno, close (self), vl_fail_errno ("setns(CLONE_NEWNET, the guest's)", NULL, err);
  nl = vl_nl_open ();
  err = errno;
  if (setns (self, CLONE_NEWNET) < 0)
    {
      err = errno;
      if (nl >= 0)
        close (nl);
      close (self);
      return vl_fail_errno ("setns(CLONE_NEWNET, the launcher's own)", NULL, err);
    }
  close (self);
  if (nl < 0)
    return vl_fail_errno ("socket(AF_NETLINK), in the guest", NULL, err);
  return nl;
}

/* NETNS_CONFIG netns_fd guest bridge addresses gateways: inside the guest's namespace, lo and its
   device up, its addresses and a default route per family; no gateway given: the bridge's own
   address in the subnet of the guest's first address of that family, if it has one (now). */
int
op_netns_config (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *guest = r->f[1].s, *bridge = r->f[2].s;
  struct vl_link lo, eth, br;
  unsigned char addr[16], first[2][16];
  int nl = -1, host, have, family, prefix, rc = -1, seen[2] = { 0, 0 };
  struct vl_nl m;
  uint32_t i;

  (void) ctx;
  nl = socket_in (r->f[0].i);
  if (nl < 0)
    return -1;
  if ((have = vl_nl_link (nl, "lo", &lo)) <= 0 || (have = vl_nl_link (nl, guest, &eth)) <= 0)
    {
      vl_failf (have < 0 ? -have : ENODEV, "RTM_GETLINK(`%s`, in the guest)", lo.index ? guest : "lo");
      goto out;
    }
  if ((have = vl_nl_set_link (nl, lo.index, IFF_UP, IFF_UP, 0, 0)) < 0)
    {
      vl_failf (-have, "RTM_NEWLINK(`lo` up, in the guest)");
      goto out;
    }
  for (i = 0; i < r->f[3].v.n; i++)
    {
      const char *text = r->f[3].v.p[i];
      if (vl_addr_parse (text, &family, addr, &prefix) < 0)
        {
          vl_failf (EINVAL, "RTM_NEWADDR(`%s`): not an address", text);
          goto out;
        }
      if (!seen[family == AF_INET6])
        memcpy (first[family == AF_INET6], addr, 16), seen[family == AF_INET6] = 1;
      vl_nl_new_addr (&m, family, addr, prefix, eth.index, NULL);
      if ((have = vl_nl_transact (nl, &m)) < 0)
        {
          vl_failf (-have, "RTM_NEWADDR(`%s` dev `%s`, in the guest)", text, guest);
          goto out;
        }
    }
  if ((have = vl_nl_set_link (nl, eth.index, IFF_UP, IFF_UP, 0, 0)) < 0)
    {
      vl_failf (-have, "RTM_NEWLINK(`%s` up, in the guest)", guest);
      goto out;
    }
  for (i = 0; i < r->f[4].v.n; i++)
    {
      const char *text = r->f[4].v.p[i];
      if (vl_addr_parse (text, &family, addr, &prefix) < 0)
        {
          vl_failf (EINVAL, "RTM_NEWROUTE(`%s`): not an address", text);
          goto out;
        }
      if (default_route (nl, eth.index, family, addr, text) < 0)
        goto out;
    }
  if (r->f[4].v.n == 0)
    {
      /* the host's view of the bridge, read now: its addresses may have changed since the compile */
      host = vl_nl_open ();
      if (host < 0)
        {
          vl_fail ("socket(AF_NETLINK)", NULL);
          goto out;
        }
      have = vl_nl_link (host, bridge, &br);
      for (family = 0; have > 0 && family < 2; family++)
        {
          struct gateway_query q = { .bridge = br.index, .family = family ? AF_INET6 : AF_INET, .guest = first[family] };
          struct ifaddrmsg ifa = { .ifa_family = q.family };
          char text[INET6_ADDRSTRLEN];
          if (!seen[family])
            continue;
          vl_nl_init (&m, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
          vl_nl_put (&m, &ifa, sizeof ifa);
          if ((have = vl_nl_dump (host, &m, gateway_each, &q)) < 0)
            break;
          have = 1;
          if (q.have && default_route (nl, eth.index, q.family, q.found, inet_ntop (q.family, q.found, text, sizeof text)) < 0)
            {
              close (host);
              goto out;
            }
        }
      close (host);
      if (have < 0)
        {
          vl_failf (-have, "RTM_GETADDR(`%s`)", bridge);
          goto out;
        }
    }
  rc = 0;
out:
  close (nl);
  return rc;
}

/* The netns inode a journal line was written in, checked against ours; the rest of the line. */
static const char *
same_netns (const char *line, const char *verb)
{
  char *end;
  unsigned long ino = strtoul (line, &end, 10), here = vl_netns_inode ();

  if (*end != ' ')
    return fprintf (stderr, "vserver-launcher: undo: bad journal line `%s %s`\n", verb, line), NULL;
  if (ino != here)
    return fprintf (stderr, "vserver-launcher: undo: `%s %s` was made in network namespace net:[%lu] and this command"
                            " runs in net:[%lu]: run the stop there (nsenter --net=...) to remove it\n",
                    verb, end + 1, ino, here), NULL;
  return end + 1;
}

/* Undo of "veth NETNS NAME": the host end, if it is still there (its guest end goes with it). */
int
vl_veth_undo (const char *line)
{
  const char *name = same_netns (line, "veth");
  struct vl_link l;
  int nl, have;

  if (name == NULL)
    return -1;
  nl = vl_nl_open ();
  if (nl < 0)
    return fprintf (stderr, "vserver-launcher: undo: socket(AF_NETLINK) failed: %s\n", strerror (errno)), -1;
  have = vl_nl_link (nl, name, &l);
  if (have > 0)
    have = vl_nl_del_link (nl, l.index);
  close (nl);
  if (have >= 0 || have == -ENODEV)
    return 0;
  fprintf (stderr, "vserver-launcher: undo: RTM_DELLINK(`%s`) failed: %s\n", name, strerror (-have));
  return -1;
}

struct ports_query
{
  int bridge, any;
};

static void
ports_each (struct nlmsghdr *h, void *arg)
{
  struct ports_query *q = arg;
  struct vl_link l;

  if (h->nlmsg_type != RTM_NEWLINK)
    return;
  vl_nl_parse_link (h, &l);
  if (l.master == q->bridge)
    q->any = 1;
}

/* Undo of "bridge NETNS NAME RUNDIR": vserver's bridge goes with its last port; the admin's stays. */
int
vl_bridge_undo (const char *line)
{
  const char *rest = same_netns (line, "bridge"), *rundir;
  char bridge[IF_NAMESIZE + 1], marker[4200], lock_path[4200];
  struct vl_link b;
  struct ports_query q = { 0, 0 };
  struct vl_nl m;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  int lock, nl, have, rc = 0;

  if (rest == NULL)
    return -1;
  rundir = strchr (rest, ' ');
  if (rundir == NULL || rundir - rest > IF_NAMESIZE)
    return fprintf (stderr, "vserver-launcher: undo: bad journal line `bridge %s`\n", line), -1;
  snprintf (bridge, sizeof bridge, "%.*s", (int) (rundir - rest), rest);
  rundir++;
  snprintf (marker, sizeof marker, "%s/%s.bridge", rundir, bridge);
  snprintf (lock_path, sizeof lock_path, "%s/.network.lock", rundir);
  if (access (marker, F_OK) < 0)
    return 0; /* the admin's bridge: never ours to remove */
  lock = vl_lock_guest (lock_path);
  if (lock < 0)
    return fprintf (stderr, "vserver-launcher: undo: open(`%s`) failed: %s\n", lock_path, strerror (errno)), -1;
  nl = vl_nl_open ();
  if (nl < 0)
    {
      fprintf (stderr, "vserver-launcher: undo: socket(AF_NETLINK) failed: %s\n", strerror (errno));
      vl_unlock_guest (lock_path, lock);
      return -1;
    }
  have = access (marker, F_OK) == 0 ? vl_nl_link (nl, bridge, &b) : -ENOENT;
  if (have > 0)
    {
      q.bridge = b.index;
      vl_nl_init (&m, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
      vl_nl_put (&m, &ifi, sizeof ifi);
      have = vl_nl_dump (nl, &m, ports_each, &q);
      if (have == 0 && !q.any && (have = vl_nl_del_link (nl, b.index)) == 0)
        unlink (marker);
      if (have < 0)
        rc = -1, fprintf (stderr, "vserver-launcher: undo: bridge `%s`: %s\n", bridge, strerror (-have));
    }
  else if (have == 0)
    unlink (marker); /* gone already: so is our claim */
  close (nl);
  vl_unlock_guest (lock_path, lock);
  return rc;
}
