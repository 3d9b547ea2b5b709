/* rtnl.c: the rtnetlink messages of a start's network steps (addr.c, veth.c), built in one buffer:
 * a header, the family's fixed part (ifinfomsg, ifaddrmsg, rtmsg), then attributes, nested ones
 * opened and closed like parentheses. As org.vserver.net.NetlinkMessage builds them for Java.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

int
vl_nl_open (void)
{
  return socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

void
vl_nl_init (struct vl_nl *m, int type, int flags)
{
  memset (m, 0, sizeof *m);
  m->nh.nlmsg_len = NLMSG_LENGTH (0);
  m->nh.nlmsg_type = type;
  m->nh.nlmsg_flags = flags;
  m->nh.nlmsg_seq = 1;
}

/* LEN bytes of DATA (or zeros) at the end, aligned; where they went, or NULL if they do not fit
   (the messages here are a few hundred bytes: a plan bug, reported by the send as EMSGSIZE). */
void *
vl_nl_put (struct vl_nl *m, const void *data, size_t len)
{
  size_t at = NLMSG_ALIGN (m->nh.nlmsg_len);
  char *p = (char *) m + at;

  if (at + RTA_ALIGN (len) > offsetof (struct vl_nl, overflow))
    {
      m->overflow = 1;
      return NULL;
    }
  if (data)
    memcpy (p, data, len);
  else
    memset (p, 0, len);
  /* padded at once (the buffer is zeroed): a nest's length, taken from here, then covers its
     last attribute's padding, as the kernel's nla_ok() requires of a nest that ends the message */
  m->nh.nlmsg_len = at + RTA_ALIGN (len);
  return p;
}

void
vl_nl_attr (struct vl_nl *m, int type, const void *data, size_t len)
{
  struct rtattr *a = vl_nl_put (m, NULL, RTA_LENGTH (len));

  if (a == NULL)
    return;
  a->rta_type = type;
  a->rta_len = RTA_LENGTH (len);
  memcpy (RTA_DATA (a), data, len);
}

void
vl_nl_u32 (struct vl_nl *m, int type, uint32_t v)
{
  vl_nl_attr (m, type, &v, sizeof v);
}

void
vl_nl_str (struct vl_nl *m, int type, const char *s)
{
  vl_nl_attr (m, type, s, strlen (s) + 1);
}

/* Opens a nested attribute: its offset, for vl_nl_end. */
size_t
vl_nl_begin (struct vl_nl *m, int type)
{
  struct rtattr *a = vl_nl_put (m, NULL, RTA_LENGTH (0));

  if (a == NULL)
    return 0;
  a->rta_type = type;
  return (char *) a - (char *) m;
}

void
vl_nl_end (struct vl_nl *m, size_t at)
{
  struct rtattr *a = (struct rtattr *) ((char *) m + at);

  if (!m->overflow)
    a->rta_len = m->nh.nlmsg_len - at;
}

/* Sends M (which asks for an ACK) and reads the answer: 0, or the negative errno. */
int
vl_nl_transact (int fd, struct vl_nl *m)
{
  char buf[8192];
  struct nlmsghdr *h;
  ssize_t n;

  if (m->overflow)
    return -EMSGSIZE;
  if (send (fd, m, m->nh.nlmsg_len, 0) < 0)
    return -errno;
  n = recv (fd, buf, sizeof buf, 0);
  if (n < 0)
    return -errno;
  for (h = (struct nlmsghdr *) buf; NLMSG_OK (h, (size_t) n); h = NLMSG_NEXT (h, n))
    if (h->nlmsg_type == NLMSG_ERROR)
      return ((struct nlmsgerr *) NLMSG_DATA (h))->error;
  return -EPROTO;
}

/* Sends the dump request M and calls EACH for every answer until NLMSG_DONE: 0, or -errno. */
int
vl_nl_dump (int fd, struct vl_nl *m, void (*each) (struct nlmsghdr *, void *), void *arg)
{
  static char buf[32768];
  int done = 0;

  if (send (fd, m, m->nh.nlmsg_len, 0) < 0)
    return -errno;
  while (!done)
    {
      ssize_t n = recv (fd, buf, sizeof buf, 0);
      struct nlmsghdr *h;
      if (n < 0)
        return -errno;
      if (n == 0)
        return -EPROTO;
      for (h = (struct nlmsghdr *) buf; NLMSG_OK (h, (size_t) n); h = NLMSG_NEXT (h, n))
        {
          if (h->nlmsg_type == NLMSG_DONE)
            {
              done = 1;
              break;
            }
          if (h->nlmsg_type == NLMSG_ERROR)
            return ((struct nlmsgerr *) NLMSG_DATA (h))->error;
          each (h, arg);
        }
    }
  return 0;
}

/* The link NAME: 1 with *OUT filled, 0 if there is none, or -errno. */
int
vl_nl_link (int fd, const char *name, struct vl_link *out)
{
  struct vl_nl m;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  char buf[16384];
  struct nlmsghdr *h;
  ssize_t n;

  vl_nl_init (&m, RTM_GETLINK, NLM_F_REQUEST);
  vl_nl_put (&m, &ifi, sizeof ifi);
  vl_nl_str (&m, IFLA_IFNAME, name);
  if (send (fd, &m, m.nh.nlmsg_len, 0) < 0)
    return -errno;
  n = recv (fd, buf, sizeof buf, 0);
  if (n < 0)
    return -errno;
  for (h = (struct nlmsghdr *) buf; NLMSG_OK (h, (size_t) n); h = NLMSG_NEXT (h, n))
    {
      if (h->nlmsg_type == NLMSG_ERROR)
        {
          int err = ((struct nlmsgerr *) NLMSG_DATA (h))->error;
          return err == -ENODEV ? 0 : err;
        }
      if (h->nlmsg_type == RTM_NEWLINK)
        {
          vl_nl_parse_link (h, out);
          return 1;
        }
    }
  return -EPROTO;
}

/* An RTM_NEWLINK message as a vl_link. */
void
vl_nl_parse_link (struct nlmsghdr *h, struct vl_link *out)
{
  struct ifinfomsg *ifi = NLMSG_DATA (h);
  int len = IFLA_PAYLOAD (h);
  struct rtattr *a;

  memset (out, 0, sizeof *out);
  out->index = ifi->ifi_index;
  for (a = IFLA_RTA (ifi); RTA_OK (a, len); a = RTA_NEXT (a, len))
    if (a->rta_type == IFLA_MTU && RTA_PAYLOAD (a) >= 4)
      memcpy (&out->mtu, RTA_DATA (a), 4);
    else if (a->rta_type == IFLA_MASTER && RTA_PAYLOAD (a) >= 4)
      memcpy (&out->master, RTA_DATA (a), 4);
    else if (a->rta_type == IFLA_IFNAME)
      snprintf (out->name, sizeof out->name, "%.*s", (int) RTA_PAYLOAD (a), (char *) RTA_DATA (a));
    else if (a->rta_type == IFLA_LINKINFO)
      {
        struct rtattr *i;
        int ilen = RTA_PAYLOAD (a);
        for (i = RTA_DATA (a); RTA_OK (i, ilen); i = RTA_NEXT (i, ilen))
          if (i->rta_type == IFLA_INFO_KIND)
            snprintf (out->kind, sizeof out->kind, "%.*s", (int) RTA_PAYLOAD (i), (char *) RTA_DATA (i));
      }
}

/* RTM_NEWLINK of an existing link INDEX: FLAGS under CHANGE, and the u32 attribute TYPE (0: none). */
int
vl_nl_set_link (int fd, int index, unsigned flags, unsigned change, int type, uint32_t value)
{
  struct vl_nl m;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = flags, .ifi_change = change };

  vl_nl_init (&m, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
  vl_nl_put (&m, &ifi, sizeof ifi);
  if (type)
    vl_nl_u32 (&m, type, value);
  return vl_nl_transact (fd, &m);
}

int
vl_nl_del_link (int fd, int index)
{
  struct vl_nl m;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };

  vl_nl_init (&m, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
  vl_nl_put (&m, &ifi, sizeof ifi);
  return vl_nl_transact (fd, &m);
}

/* "net:[INODE]" of this process's network namespace, as its inode number; 0 if unknown. */
unsigned long
vl_netns_inode (void)
{
  struct stat st;

  return stat ("/proc/self/ns/net", &st) == 0 ? (unsigned long) st.st_ino : 0;
}
