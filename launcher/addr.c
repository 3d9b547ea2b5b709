/* addr.c: ADDR_ADD: a shared guest's address on a host device, by rtnetlink, journaled
 * ("address DEV ADDR/PREFIX": undo deletes it from that device if it is still there). An address
 * the host or another guest already has anywhere is refused at run time (EADDRINUSE): the plan was
 * compiled earlier, and someone may have taken it since. As org.vserver.net.Rtnetlink#newAddress:
 * IPv4 with local, address, broadcast below /31 and the label; IPv6 without duplicate detection.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "launcher.h"

struct holder_query
{
  size_t len;
  const unsigned char *addr;
  int found;
};

static void
holder_each (struct nlmsghdr *h, void *arg)
{
  struct holder_query *q = arg;
  struct ifaddrmsg *ifa;
  struct rtattr *a;
  int alen;

  if (h->nlmsg_type != RTM_NEWADDR)
    return;
  ifa = NLMSG_DATA (h);
  alen = IFA_PAYLOAD (h);
  for (a = IFA_RTA (ifa); RTA_OK (a, alen); a = RTA_NEXT (a, alen))
    if ((a->rta_type == IFA_ADDRESS || a->rta_type == IFA_LOCAL) && RTA_PAYLOAD (a) == q->len
        && memcmp (RTA_DATA (a), q->addr, q->len) == 0 && !q->found)
      q->found = (int) ifa->ifa_index;
}

/* The index of the device that has ADDR (of FAMILY, LEN bytes), or 0 if none; -1 on error. */
static int
holder (int fd, int family, const unsigned char *addr, size_t len)
{
  struct vl_nl m;
  struct ifaddrmsg ifa = { .ifa_family = family };
  struct holder_query q = { len, addr, 0 };

  vl_nl_init (&m, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
  vl_nl_put (&m, &ifa, sizeof ifa);
  return vl_nl_dump (fd, &m, holder_each, &q) < 0 ? -1 : q.found;
}

int
vl_addr_parse (const char *text, int *family, unsigned char *addr, int *prefix)
{
  char copy[128], *slash;

  snprintf (copy, sizeof copy, "%s", text);
  slash = strchr (copy, '/');
  if (slash)
    *slash++ = '\0';
  *family = strchr (copy, ':') ? AF_INET6 : AF_INET;
  if (inet_pton (*family, copy, addr) != 1)
    return -1;
  *prefix = slash ? atoi (slash) : (*family == AF_INET ? 32 : 128);
  return *prefix < 0 || *prefix > (*family == AF_INET ? 32 : 128) ? -1 : 0;
}

void
vl_nl_new_addr (struct vl_nl *m, int family, const unsigned char *addr, int prefix, int index, const char *label)
{
  struct ifaddrmsg ifa = { .ifa_family = family, .ifa_prefixlen = prefix, .ifa_index = index };

  vl_nl_init (m, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  if (family == AF_INET)
    {
      ifa.ifa_scope = addr[0] == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
      vl_nl_put (m, &ifa, sizeof ifa);
      vl_nl_attr (m, IFA_LOCAL, addr, 4);
      vl_nl_attr (m, IFA_ADDRESS, addr, 4);
      if (prefix < 31)
        {
          uint32_t host = prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)) - 1, net;
          memcpy (&net, addr, 4);
          net = htonl (ntohl (net) | host);
          vl_nl_attr (m, IFA_BROADCAST, &net, 4);
        }
      if (label != NULL)
        vl_nl_str (m, IFA_LABEL, label);
    }
  else
    {
      ifa.ifa_flags = IFA_F_NODAD;
      ifa.ifa_scope = RT_SCOPE_UNIVERSE;
      vl_nl_put (m, &ifa, sizeof ifa);
      vl_nl_attr (m, IFA_ADDRESS, addr, 16);
      vl_nl_u32 (m, IFA_FLAGS, IFA_F_NODAD);
    }
}

/* ADDR_ADD dev address prefix label */
int
op_addr_add (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *dev = r->f[0].s, *text = r->f[1].s, *label = r->f[3].s;
  int prefix = r->f[2].i, family, index, fd, have, rc, p;
  unsigned char addr[16];
  char line[256], name[IF_NAMESIZE];
  struct vl_nl m;

  if (vl_addr_parse (text, &family, addr, &p) < 0 || prefix < 0 || prefix > (family == AF_INET ? 32 : 128))
    return vl_failf (EINVAL, "RTM_NEWADDR(`%s/%d`): not an address", text, prefix);
  index = (int) if_nametoindex (dev);
  if (index == 0)
    return vl_failf (ENODEV, "!network device %s does not exist (check interfaces/dev and interfaces/*/dev)", dev);
  fd = vl_nl_open ();
  if (fd < 0)
    return vl_fail ("socket(AF_NETLINK)", NULL);
  have = holder (fd, family, addr, family == AF_INET ? 4 : 16);
  if (have != 0)
    {
      close (fd);
      if (have < 0)
        return vl_fail ("RTM_GETADDR", NULL);
      /* "!": a whole sentence, said as it is (start.c) */
      return vl_failf (EADDRINUSE, "!address %s is already on %s: the host or another guest uses it (stop that guest, or"
                                   " remove the address)", text, if_indextoname ((unsigned) have, name) ? name : "a device");
    }
  snprintf (line, sizeof line, "%s %s/%d", dev, text, prefix);
  if (vl_journal_note (ctx, "address", line) < 0)
    return close (fd), -1;
  vl_nl_new_addr (&m, family, addr, prefix, index, label);
  rc = vl_nl_transact (fd, &m);
  close (fd);
  if (rc < 0)
    return vl_failf (-rc, "RTM_NEWADDR(`%s/%d` dev `%s`)", text, prefix, dev);
  return 0;
}

/* Undo of "address DEV ADDR/PREFIX": gone already (with its device, or by hand) is fine. */
int
vl_addr_undo (const char *line)
{
  char dev[IF_NAMESIZE + 1], text[128];
  unsigned char addr[16];
  int family, prefix, index, fd, rc;
  struct vl_nl m;
  struct ifaddrmsg ifa = { 0 };

  if (sscanf (line, "%16s %127s", dev, text) != 2 || vl_addr_parse (text, &family, addr, &prefix) < 0)
    return fprintf (stderr, "vserver-launcher: undo: bad journal line `address %s`\n", line), -1;
  index = (int) if_nametoindex (dev);
  if (index == 0)
    return 0;
  fd = vl_nl_open ();
  if (fd < 0)
    return fprintf (stderr, "vserver-launcher: undo: socket(AF_NETLINK) failed: %s\n", strerror (errno)), -1;
  vl_nl_init (&m, RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK);
  ifa.ifa_family = family;
  ifa.ifa_prefixlen = prefix;
  ifa.ifa_index = index;
  vl_nl_put (&m, &ifa, sizeof ifa);
  if (family == AF_INET)
    vl_nl_attr (&m, IFA_LOCAL, addr, 4);
  vl_nl_attr (&m, IFA_ADDRESS, addr, family == AF_INET ? 4 : 16);
  rc = vl_nl_transact (fd, &m);
  close (fd);
  if (rc == 0 || rc == -EADDRNOTAVAIL || rc == -ENOENT || rc == -ENODEV)
    return 0;
  fprintf (stderr, "vserver-launcher: undo: RTM_DELADDR(`%s` dev `%s`) failed: %s\n", text, dev, strerror (-rc));
  return -1;
}
