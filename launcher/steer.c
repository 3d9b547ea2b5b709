/* steer.c: STEER, a shared-stack guest's wildcard listeners reached on all its addresses (README,
 * "Network"). One sk_lookup program per run directory is attached to the host's network
 * namespace, with three maps: ADDRS (an address -> the guest's xid, and whether it is a guest's
 * loopback), SOCKS (the guests' listening sockets, put there by each guest's sock_ops program at
 * listen(2)) and ROGUE (listeners a guest got without a bind). Each shared guest's monitor holds
 * the link: the program and its maps go with the last of them, and nothing is pinned anywhere.
 * A start finds the link of its run directory by the id in RUN/.steer (checked: ours, of this
 * network namespace), or makes one. Its guest's STORAGE map (sk_storage: "bound to the
 * wildcard") is its own. The guest's programs are loaded with the four maps as their fd_array
 * (BPF_ATTACH, bpf.c), in the order the Java planner's programs name them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher.h"

#define NAME_SOCKS "vserver_socks"
#define NAME_ROGUE "vserver_rogue"
#define NAME_ADDRS "vserver_addrs"
#define NAME_STORAGE "vserver_storage"
#define PROG_NAME "vserver_steer"

/* An fd at VL_HIGH_FD or above (close-on-exec): above every fd a plan names, and kept by the
   monitor, which closes the low ones. */
static int
high (int fd)
{
  int h;

  if (fd < 0 || fd >= VL_HIGH_FD)
    return fd;
  h = fcntl (fd, F_DUPFD_CLOEXEC, VL_HIGH_FD);
  close (fd);
  return h;
}

static int
map_create (unsigned type, unsigned key, unsigned value, unsigned max, unsigned flags, const char *name, int btf,
            unsigned key_id, unsigned value_id)
{
  union bpf_attr a;

  memset (&a, 0, sizeof a);
  a.map_type = type;
  a.key_size = key;
  a.value_size = value;
  a.max_entries = max;
  a.map_flags = flags;
  snprintf (a.map_name, sizeof a.map_name, "%s", name);
  if (btf >= 0)
    a.btf_fd = btf, a.btf_key_type_id = key_id, a.btf_value_type_id = value_id;
  int fd = vl_sys_bpf (BPF_MAP_CREATE, &a);
  if (fd < 0)
    return vl_failf (errno, "bpf(BPF_MAP_CREATE, `%s`, type %u)", name, type);
  return high (fd);
}

static int
obj_info (int fd, void *info, unsigned len)
{
  union bpf_attr a;

  memset (&a, 0, sizeof a);
  a.info.bpf_fd = fd;
  a.info.info_len = len;
  a.info.info = (uint64_t) (uintptr_t) info;
  return vl_sys_bpf (BPF_OBJ_GET_INFO_BY_FD, &a);
}

static int
fd_by_id (int cmd, unsigned id)
{
  union bpf_attr a;

  memset (&a, 0, sizeof a);
  if (cmd == BPF_LINK_GET_FD_BY_ID)
    a.link_id = id;
  else if (cmd == BPF_PROG_GET_FD_BY_ID)
    a.prog_id = id;
  else
    a.map_id = id;
  return vl_sys_bpf (cmd, &a);
}

/* The link of this run directory, if RUN/.steer names one that is still attached to this network
   namespace with our program: its fd and the maps' (SOCKS, ROGUE, ADDRS at m[1..3]); -1 if not. */
static int
find (const char *idfile, int m[4])
{
  struct bpf_link_info link;
  struct bpf_prog_info prog;
  struct stat ns;
  uint32_t ids[8];
  char *text = vl_read_small (idfile);
  int lfd, pfd;
  unsigned id = text ? (unsigned) strtoul (text, NULL, 10) : 0;

  free (text);
  if (id == 0 || stat ("/proc/self/ns/net", &ns) < 0)
    return -1;
  lfd = fd_by_id (BPF_LINK_GET_FD_BY_ID, id);
  if (lfd < 0)
    return -1; /* gone with the last guest that held it */
  memset (&link, 0, sizeof link);
  if (obj_info (lfd, &link, sizeof link) < 0 || link.type != BPF_LINK_TYPE_NETNS
      || link.netns.attach_type != BPF_SK_LOOKUP || link.netns.netns_ino != ns.st_ino)
    return close (lfd), -1;
  pfd = fd_by_id (BPF_PROG_GET_FD_BY_ID, link.prog_id);
  memset (&prog, 0, sizeof prog);
  prog.nr_map_ids = 8;
  prog.map_ids = (uint64_t) (uintptr_t) ids;
  if (pfd < 0 || obj_info (pfd, &prog, sizeof prog) < 0 || strcmp (prog.name, PROG_NAME) != 0)
    {
      if (pfd >= 0)
        close (pfd);
      return close (lfd), -1;
    }
  close (pfd);
  m[1] = m[2] = m[3] = -1;
  for (unsigned i = 0; i < prog.nr_map_ids && i < 8; i++)
    {
      struct bpf_map_info mi;
      int fd = fd_by_id (BPF_MAP_GET_FD_BY_ID, ids[i]);
      memset (&mi, 0, sizeof mi);
      if (fd < 0 || obj_info (fd, &mi, sizeof mi) < 0)
        {
          if (fd >= 0)
            close (fd);
          continue;
        }
      int slot = strcmp (mi.name, NAME_SOCKS) == 0 ? 1 : strcmp (mi.name, NAME_ROGUE) == 0 ? 2
                 : strcmp (mi.name, NAME_ADDRS) == 0                                    ? 3
                                                                                        : 0;
      if (slot == 0 || m[slot] >= 0)
        close (fd);
      else
        m[slot] = high (fd);
    }
  if (m[1] < 0 || m[2] < 0 || m[3] < 0)
    {
      for (int i = 1; i < 4; i++)
        if (m[i] >= 0)
          close (m[i]), m[i] = -1;
      return close (lfd), -1;
    }
  return high (lfd);
}

/* The shared maps, the program and its link to this network namespace, the link's id in IDFILE. */
static int
make (const char *idfile, const union vl_field *program, int m[4])
{
  struct bpf_link_info info;
  union bpf_attr a;
  int prog, ns, link, fds[4];
  char text[32];

  m[1] = map_create (BPF_MAP_TYPE_SOCKHASH, 24, 8, 65536, 0, NAME_SOCKS, -1, 0, 0);
  /* room for every key there is (a port of each family): a guest that fills ROGUE would have its
     next autobound listener answer on the host's addresses; a full SOCKS only stops steering */
  m[2] = m[1] < 0 ? -1 : map_create (BPF_MAP_TYPE_SOCKHASH, 4, 8, 2 * 65536, 0, NAME_ROGUE, -1, 0, 0);
  /* not preallocated: a few entries per guest, written at starts; a start pays no 16384-entry memset */
  m[3] = m[2] < 0 ? -1 : map_create (BPF_MAP_TYPE_HASH, 16, 8, 16384, BPF_F_NO_PREALLOC, NAME_ADDRS, -1, 0, 0);
  if (m[3] < 0)
    return -1;
  fds[0] = m[3], fds[1] = m[1], fds[2] = m[2], fds[3] = m[3]; /* slot 0 (a guest's STORAGE) unused here */
  prog = vl_bpf_load_maps (BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, PROG_NAME, program, fds);
  if (prog < 0)
    return -1;
  ns = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (ns < 0)
    return close (prog), vl_fail ("open", "/proc/self/ns/net");
  memset (&a, 0, sizeof a);
  a.link_create.prog_fd = prog;
  a.link_create.target_fd = ns;
  a.link_create.attach_type = BPF_SK_LOOKUP;
  link = vl_sys_bpf (BPF_LINK_CREATE, &a);
  int err = errno;
  close (ns);
  close (prog);
  if (link < 0)
    return vl_failf (err, "bpf(BPF_LINK_CREATE, `%s`, BPF_SK_LOOKUP)%s", PROG_NAME,
                     err == E2BIG ? " (64 sk_lookup programs in this network namespace already)" : "");
  link = high (link);
  memset (&info, 0, sizeof info);
  if (obj_info (link, &info, sizeof info) < 0)
    return close (link), vl_fail ("bpf(BPF_OBJ_GET_INFO_BY_FD)", PROG_NAME);
  int fd = open (idfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  int n = snprintf (text, sizeof text, "%u\n", info.id);
  if (fd < 0 || write (fd, text, (size_t) n) != n)
    {
      err = errno;
      if (fd >= 0)
        close (fd);
      close (link);
      return vl_fail_errno ("write", idfile, err);
    }
  close (fd);
  return link;
}

static int
hexval (char c)
{
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* HEX into OUT (at most MAX bytes): the byte count, or -1. */
static int
unhex (const char *hex, unsigned char *out, size_t max)
{
  size_t n = strlen (hex);

  if (n % 2 || n / 2 > max)
    return -1;
  for (size_t i = 0; i < n; i += 2)
    {
      int h = hexval (hex[i]), l = hexval (hex[i + 1]);
      if (h < 0 || l < 0)
        return -1;
      out[i / 2] = (unsigned char) (h << 4 | l);
    }
  return (int) (n / 2);
}

/* The guest's STORAGE map: sk_storage needs BTF for its key and value (HEX: the blob, whose
   type 1 is the key's int and type 2 the value's 8-byte struct). */
static int
storage (const char *hex)
{
  unsigned char blob[1024];
  union bpf_attr a;
  int n = unhex (hex, blob, sizeof blob), btf, fd;

  if (n <= 0)
    return vl_failf (EINVAL, "STEER: the BTF blob is no hex");
  memset (&a, 0, sizeof a);
  a.btf = (uint64_t) (uintptr_t) blob;
  a.btf_size = (unsigned) n;
  btf = vl_sys_bpf (BPF_BTF_LOAD, &a);
  if (btf < 0)
    return vl_failf (errno, "bpf(BPF_BTF_LOAD, %d bytes)", n);
  fd = map_create (BPF_MAP_TYPE_SK_STORAGE, 4, 8, 0, BPF_F_NO_PREALLOC, NAME_STORAGE, btf, 1, 2);
  close (btf);
  return fd;
}

static int
map_update (int map, const void *key, const void *value)
{
  union bpf_attr a;

  memset (&a, 0, sizeof a);
  a.map_fd = map;
  a.key = (uint64_t) (uintptr_t) key;
  a.value = (uint64_t) (uintptr_t) value;
  a.flags = BPF_ANY;
  return vl_sys_bpf (BPF_MAP_UPDATE_ELEM, &a);
}

/* STEER idfile lock program btf xid addresses: the run directory's link found or made under
   flock(lock); the guest's STORAGE map; each "HEX32 FLAGS" address entered into ADDRS for xid.
   The fds stay in ctx: BPF_ATTACH loads the guest's programs with them, MONITOR keeps the link and
   ADDRS (and takes the guest's addresses out of ADDRS when it ends). */
int
op_steer (struct vl_ctx *ctx, const struct vl_rec *r)
{
  const char *idfile = r->f[0].s, *lock = r->f[1].s;
  char **entries = r->f[5].v.p;
  uint32_t xid = (uint32_t) r->f[4].i;
  int fd, m[4] = { -1, -1, -1, -1 }, link;

  fd = open (lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return vl_fail ("open", lock);
  if (flock (fd, LOCK_EX) < 0)
    {
      int err = errno;
      close (fd);
      return vl_fail_errno ("flock", lock, err);
    }
  link = find (idfile, m);
  if (link < 0)
    link = make (idfile, &r->f[2], m);
  close (fd); /* the link is held now: a guest that stops meanwhile cannot take it away */
  if (link < 0)
    return -1;
  m[0] = storage (r->f[3].s);
  if (m[0] < 0)
    goto fail;
  ctx->steer_naddrs = 0;
  for (int i = 0; entries[i] != NULL; i++)
    {
      unsigned char key[16];
      uint32_t value[2] = { xid, 0 };
      const char *flags = strchr (entries[i], ' ');
      char hex[33];
      snprintf (hex, sizeof hex, "%.32s", entries[i]);
      if (unhex (hex, key, sizeof key) != 16 || flags == NULL)
        {
          vl_failf (EINVAL, "STEER: `%s` is no \"HEX32 FLAGS\" address", entries[i]);
          goto fail;
        }
      value[1] = (uint32_t) strtoul (flags + 1, NULL, 10);
      if (map_update (m[3], key, value) < 0)
        {
          vl_failf (errno, "bpf(BPF_MAP_UPDATE_ELEM, `%s`, %s)", NAME_ADDRS, hex);
          goto fail;
        }
      if (ctx->steer_naddrs < VL_STEER_ADDRS)
        memcpy (ctx->steer_addrs[ctx->steer_naddrs++], key, 16);
    }
  ctx->steer_link = link;
  ctx->steer_xid = xid;
  memcpy (ctx->steer_maps, m, sizeof m);
  return 0;
fail:
  for (int i = 0; i < 4; i++)
    if (m[i] >= 0)
      close (m[i]);
  close (link);
  return -1;
}

/* The guest's addresses out of ADDRS (those still naming its xid: a later guest's stay): when its
   monitor ends, or a start fails. The link and the maps go with the last fd. */
void
vl_steer_forget (int addrs, uint32_t xid, unsigned char (*keys)[16], int n)
{
  for (int i = 0; i < n; i++)
    {
      union bpf_attr a;
      uint32_t value[2];
      memset (&a, 0, sizeof a);
      a.map_fd = addrs;
      a.key = (uint64_t) (uintptr_t) keys[i];
      a.value = (uint64_t) (uintptr_t) value;
      if (vl_sys_bpf (BPF_MAP_LOOKUP_ELEM, &a) < 0 || value[0] != xid)
        continue;
      memset (&a, 0, sizeof a);
      a.map_fd = addrs;
      a.key = (uint64_t) (uintptr_t) keys[i];
      vl_sys_bpf (BPF_MAP_DELETE_ELEM, &a);
    }
}
