/* addr.c: ADDR_ADD: a shared guest's address on a host device, by rtnetlink, journaled
 * ("address DEV ADDR/PREFIX": undo deletes it from that device if it is still there). An address
 * the host or another guest already has anywhere is refused at run time (EADDRINUSE): the plan was
 * compiled earlier, and someone may have taken it since. As org.vserver.net.Rtnetlink#newAddress:
 * IPv4 with local, address, broadcast below /31 and the label; IPv6 without duplicate detection.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "launcher.h"

struct req
{
  struct nlmsghdr nh;
  struct ifaddrmsg ifa;
  char attrs[256];
};

static void
attr (struct req *r, unsigned short type, const void *data, size_t len)
{
  struct rtattr *a = (struct rtattr *) ((char *) r + NLMSG_ALIGN (r->nh.nlmsg_len));

  a->rta_type = type;
  a->rta_len = RTA_LENGTH (len);
  memcpy (RTA_DATA (a), data, len);
  r->nh.nlmsg_len = NLMSG_ALIGN (r->nh.nlmsg_len) + RTA_ALIGN (a->rta_len);
}

/* Sends R and reads its ACK: 0, or the negative errno the kernel answered. */
static int
transact (int fd, struct req *r)
{
  char buf[8192];
  struct nlmsghdr *h;
  ssize_t n;

  if (send (fd, r, r->nh.nlmsg_len, 0) < 0)
    return -errno;
  n = recv (fd, buf, sizeof buf, 0);
  if (n < 0)
    return -errno;
  for (h = (struct nlmsghdr *) buf; NLMSG_OK (h, (size_t) n); h = NLMSG_NEXT (h, n))
    if (h->nlmsg_type == NLMSG_ERROR)
      return ((struct nlmsgerr *) NLMSG_DATA (h))->error;
  return -EPROTO;
}

/* The index of the device that has ADDR (of FAMILY, LEN bytes), or 0 if none; -1 on error. */
static int
holder (int fd, int family, const unsigned char *addr, size_t len)
{
  struct
  {
    struct nlmsghdr nh;
    struct ifaddrmsg ifa;
  } q = { .nh = { .nlmsg_len = sizeof q, .nlmsg_type = RTM_GETADDR, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
          .ifa = { .ifa_family = family } };
  char buf[32768];
  int found = 0, done = 0;

  if (send (fd, &q, sizeof q, 0) < 0)
    return -1;
  while (!done)
    {
      ssize_t n = recv (fd, buf, sizeof buf, 0);
      struct nlmsghdr *h;
      if (n <= 0)
        return -1;
      for (h = (struct nlmsghdr *) buf; NLMSG_OK (h, (size_t) n); h = NLMSG_NEXT (h, n))
        {
          struct ifaddrmsg *ifa;
          struct rtattr *a;
          int alen;
          if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
            {
              done = 1;
              break;
            }
          if (h->nlmsg_type != RTM_NEWADDR)
            continue;
          ifa = NLMSG_DATA (h);
          alen = IFA_PAYLOAD (h);
          for (a = IFA_RTA (ifa); RTA_OK (a, alen); a = RTA_NEXT (a, alen))
            if ((a->rta_type == IFA_ADDRESS || a->rta_type == IFA_LOCAL) && RTA_PAYLOAD (a) == len
                && memcmp (RTA_DATA (a), addr, len) == 0 && !found)
              found = (int) ifa->ifa_index;
        }
    }
  return found;
}

static int
open_rtnl (void)
{
  return socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

/* "ADDR/PREFIX" into family, bytes and prefix; -1 if it is none. */
static int
parse (const char *text, int *family, unsigned char *addr, int *prefix)
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
  return 0;
}

/* ADDR_ADD dev address prefix label */
int
op_addr_add (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *dev = r->f[0].s, *text = r->f[1].s, *label = r->f[3].s;
  int prefix = r->f[2].i, family, index, fd, have, rc, p;
  unsigned char addr[16];
  char line[256], name[IF_NAMESIZE];
  size_t len;
  struct req q;

  if (parse (text, &family, addr, &p) < 0 || prefix < 0 || prefix > (family == AF_INET ? 32 : 128))
    return vl_failf (EINVAL, "RTM_NEWADDR(`%s/%d`): not an address", text, prefix);
  len = family == AF_INET ? 4 : 16;
  index = (int) if_nametoindex (dev);
  if (index == 0)
    return vl_failf (ENODEV, "!network device %s does not exist (check interfaces/dev and interfaces/*/dev)", dev);
  fd = open_rtnl ();
  if (fd < 0)
    return vl_fail ("socket(AF_NETLINK)", NULL);
  have = holder (fd, family, addr, len);
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
  memset (&q, 0, sizeof q);
  q.nh.nlmsg_len = NLMSG_LENGTH (sizeof q.ifa);
  q.nh.nlmsg_type = RTM_NEWADDR;
  q.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  q.nh.nlmsg_seq = 2;
  q.ifa.ifa_family = family;
  q.ifa.ifa_prefixlen = prefix;
  q.ifa.ifa_index = index;
  if (family == AF_INET)
    {
      q.ifa.ifa_scope = addr[0] == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
      attr (&q, IFA_LOCAL, addr, 4);
      attr (&q, IFA_ADDRESS, addr, 4);
      if (prefix < 31)
        {
          unsigned char b[4];
          uint32_t host = prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)) - 1, net;
          memcpy (&net, addr, 4);
          net = htonl (ntohl (net) | host);
          memcpy (b, &net, 4);
          attr (&q, IFA_BROADCAST, b, 4);
        }
      if (label != NULL)
        attr (&q, IFA_LABEL, label, strlen (label) + 1);
    }
  else
    {
      uint32_t flags = IFA_F_NODAD;
      q.ifa.ifa_flags = IFA_F_NODAD;
      q.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
      attr (&q, IFA_ADDRESS, addr, 16);
      attr (&q, IFA_FLAGS, &flags, 4);
    }
  rc = transact (fd, &q);
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
  struct req q;

  if (sscanf (line, "%16s %127s", dev, text) != 2 || parse (text, &family, addr, &prefix) < 0)
    return fprintf (stderr, "vserver-launcher: undo: bad journal line `address %s`\n", line), -1;
  index = (int) if_nametoindex (dev);
  if (index == 0)
    return 0;
  fd = open_rtnl ();
  if (fd < 0)
    return fprintf (stderr, "vserver-launcher: undo: socket(AF_NETLINK) failed: %s\n", strerror (errno)), -1;
  memset (&q, 0, sizeof q);
  q.nh.nlmsg_len = NLMSG_LENGTH (sizeof q.ifa);
  q.nh.nlmsg_type = RTM_DELADDR;
  q.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  q.nh.nlmsg_seq = 3;
  q.ifa.ifa_family = family;
  q.ifa.ifa_prefixlen = prefix;
  q.ifa.ifa_index = index;
  if (family == AF_INET)
    attr (&q, IFA_LOCAL, addr, 4);
  attr (&q, IFA_ADDRESS, addr, family == AF_INET ? 4 : 16);
  rc = transact (fd, &q);
  close (fd);
  if (rc == 0 || rc == -EADDRNOTAVAIL || rc == -ENOENT || rc == -ENODEV)
    return 0;
  fprintf (stderr, "vserver-launcher: undo: RTM_DELADDR(`%s` dev `%s`) failed: %s\n", text, dev, strerror (-rc));
  return -1;
}
