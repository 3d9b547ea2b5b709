/*
 * The shared per-uid counters, a fork bomb and the audit socket, probed from inside a guest and
 * from the host (UidCountersIT, HostBarrierIT). Built static, so it runs in any guest tree.
 *
 *   uid-counters hold             take as much as this process may of the four counters uid 0
 *                                 shares with the host and every guest (inotify instances, POSIX
 *                                 mqueue bytes, queued signals, pipe pages); print one HELD line,
 *                                 then keep them until killed
 *   uid-counters check            try inotify_init1, mq_open, timer_create and pipe once; one CHECK line
 *   uid-counters forkbomb CAP     fork until the kernel refuses (children pause), at most CAP; one FORKED line
 *   uid-counters audit            send an AUDIT_USER record (a forged sshd login) over NETLINK_AUDIT; one AUDIT line
 *
 * Every line reports what happened as name=value pairs: ok, or the errno's name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *err(int e) {
    switch (e) {
    case 0: return "ok";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EAGAIN: return "EAGAIN";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOMEM: return "ENOMEM";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "errno%d", e);
        return buf;
    }
    }
}

/* "SigQ: 12/96367": queued signals of this process's real uid (the shared counter) / its limit. */
static void sigq(char *out, size_t n) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    snprintf(out, n, "?");
    if (!f) return;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "SigQ:", 5) == 0) {
            line[strcspn(line, "\n")] = 0;
            snprintf(out, n, "%s", line + 5 + strspn(line + 5, " \t"));
        }
    fclose(f);
}

static void raise_nofile(void) {
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

static __attribute__((noreturn)) int hold(void) {
    raise_nofile();
    char name[64];

    /* inotify: max_user_instances of the user namespace (128), no rlimit */
    int inotify = 0, inotify_err = 0;
    for (;;) {
        if (inotify_init1(IN_CLOEXEC) < 0) { inotify_err = errno; break; }
        inotify++;
    }

    /* mqueue: default-sized queues, then smaller ones to fill what is left of RLIMIT_MSGQUEUE */
    long sizes[][2] = {{10, 8192}, {1, 8192}, {1, 4096}, {1, 1024}, {1, 256}, {1, 64}, {1, 8}, {1, 1}};
    int mq = 0, mq_err = 0;
    long mq_payload = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (;;) {
            struct mq_attr a = {.mq_maxmsg = sizes[i][0], .mq_msgsize = sizes[i][1]};
            snprintf(name, sizeof name, "/vs-hold-%d-%d", getpid(), mq);
            mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
            if (q == (mqd_t)-1) { mq_err = errno; break; }
            mq_unlink(name);            /* the open descriptor keeps it, and its charge, alive */
            mq++;
            mq_payload += sizes[i][0] * sizes[i][1];
        }

    /* queued signals: a blocked real-time signal, queued to ourselves until the kernel refuses */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &set, NULL);
    long sigs = 0;
    int sig_err = 0;
    for (;;) {
        union sigval v = {.sival_int = 1};
        if (sigqueue(getpid(), SIGRTMIN, v) < 0) { sig_err = errno; break; }
        sigs++;
    }
    char q[64];
    sigq(q, sizeof q);

    /* pipe pages (pipe-user-pages-soft): 1 MiB pipes until the kernel refuses to grow one */
    int pipes = 0, grow_err = 0;
    long pages = 0;
    for (int i = 0; i < 100000; i++) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) { grow_err = errno; break; }
        pipes++;
        pages += 16;
        int sz = fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
        if (sz < 0) { grow_err = errno; break; }
        pages += sz / 4096 - 16;
    }
    /* then default pipes until the kernel starts shrinking new ones: the soft limit is passed */
    int p[2], last = -1;
    for (int i = 0; i < 20000; i++) {
        if (pipe2(p, O_CLOEXEC) < 0) break;
        pipes++;
        last = fcntl(p[0], F_GETPIPE_SZ);
        pages += last / 4096;
        if (last < 65536) break;
    }

    printf("HELD inotify=%d/%s mqueue=%d/%s mqueue_payload=%ld sigpending=%ld/%s SigQ=%s pipes=%d pipe_pages=%ld grow=%s new_pipe_size=%d\n",
           inotify, err(inotify_err), mq, err(mq_err), mq_payload, sigs, err(sig_err), q, pipes, pages, err(grow_err), last);
    fflush(stdout);
    for (;;) pause();
}

static int check(void) {
    char name[64], q[64];
    int fd = inotify_init1(IN_CLOEXEC);
    int inotify_err = fd < 0 ? errno : 0;
    if (fd >= 0) close(fd);

    snprintf(name, sizeof name, "/vs-check-%d", getpid());
    mqd_t m = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, NULL);   /* the namespace's default size */
    int mq_err = m == (mqd_t)-1 ? errno : 0;
    if (m != (mqd_t)-1) { mq_unlink(name); mq_close(m); }

    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 1};
    timer_t t;
    int timer_err = timer_create(CLOCK_MONOTONIC, &ev, &t) < 0 ? errno : 0;
    if (!timer_err) timer_delete(t);

    int p[2], size = -1;
    int pipe_err = pipe2(p, O_CLOEXEC) < 0 ? errno : 0;
    if (!pipe_err) {
        size = fcntl(p[0], F_GETPIPE_SZ);
        close(p[0]);
        close(p[1]);
    }
    sigq(q, sizeof q);
    printf("CHECK inotify_init1=%s mq_open=%s timer_create=%s pipe=%s pipe_size=%d SigQ=%s\n",
           err(inotify_err), err(mq_err), err(timer_err), err(pipe_err), size, q);
    return 0;
}

static int forkbomb(long cap) {
    long n = 0;
    int e = 0;
    while (n < cap) {
        pid_t c = fork();
        if (c < 0) { e = errno; break; }
        if (c == 0) {
            for (;;) pause();
        }
        n++;
    }
    printf("FORKED %ld/%s\n", n, n >= cap ? "cap" : err(e));
    return 0;
}

/* AUDIT_USER, as sshd's libaudit sends it: the kernel answers with an ack carrying 0 or -errno. */
static int audit(void) {
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
    if (s < 0) { printf("AUDIT socket=%s\n", err(errno)); return 0; }
    struct {
        struct nlmsghdr h;
        char text[256];
    } req;
    memset(&req, 0, sizeof req);
    const char *msg = "op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=vserver-it addr=192.0.2.1 terminal=ssh res=success";
    strcpy(req.text, msg);
    req.h.nlmsg_len = NLMSG_LENGTH(strlen(msg) + 1);
    req.h.nlmsg_type = AUDIT_USER;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req.h.nlmsg_seq = 1;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(s, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        printf("AUDIT socket=ok send=%s\n", err(errno));
        return 0;
    }
    char buf[8192];
    ssize_t n = recv(s, buf, sizeof buf, 0);
    if (n < 0) { printf("AUDIT socket=ok send=ok recv=%s\n", err(errno)); return 0; }
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    if (h->nlmsg_type != NLMSG_ERROR) { printf("AUDIT socket=ok send=ok ack=type%d\n", h->nlmsg_type); return 0; }
    int code = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
    printf("AUDIT socket=ok send=ok ack=%s\n", err(-code));
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && strcmp(argv[1], "hold") == 0) return hold();
    if (argc >= 2 && strcmp(argv[1], "check") == 0) return check();
    if (argc >= 3 && strcmp(argv[1], "forkbomb") == 0) return forkbomb(atol(argv[2]));
    if (argc >= 2 && strcmp(argv[1], "audit") == 0) return audit();
    fprintf(stderr, "usage: %s hold|check|forkbomb CAP|audit\n", argv[0]);
    return 2;
}
