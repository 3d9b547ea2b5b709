package org.vserver.it;

/**
 * Small python3 programs that exercise sockets, run inside guests ({@code vserver NAME exec
 * python3 -c ...}) and in test namespaces. Each prints one line; an OSError prints
 * {@code errno N} so a test can assert the exact errno.
 */
final class NetProbe {
    private NetProbe() {}

    private static final String FAMILY = "import socket,sys\nfam=socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET\n";

    /** ADDR tcp|udp: binds port 0 of ADDR, prints the address bound (getsockname). */
    static final String BIND = FAMILY + """
            s=socket.socket(fam, socket.SOCK_STREAM if sys.argv[2]=='tcp' else socket.SOCK_DGRAM)
            try:
              s.bind((sys.argv[1],0)); print(s.getsockname()[0])
            except OSError as e: print('errno', e.errno)
            """;

    /**
     * ADDR PORT: as nobody with no capability left (what a user-namespaced guest's root is to the
     * host's network namespace), binds ADDR:PORT over TCP; prints "ADDR PORT", or "caps HEX" if
     * any capability survived.
     */
    static final String BIND_AS_NOBODY = FAMILY + """
            import os
            os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)
            eff=[l for l in open('/proc/self/status') if l.startswith('CapEff:')][0].split()[1]
            s=socket.socket(fam)
            try:
              if int(eff, 16): print('caps', eff)
              else: s.bind((sys.argv[1],int(sys.argv[2]))); print(*s.getsockname()[:2])
            except OSError as e: print('errno', e.errno)
            """;

    /** ADDR PORT TAG COUNT: a TCP server answering COUNT connections with "TAG PEER"; prints "ready BOUND" first. */
    static final String SERVE = FAMILY + """
            s=socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
              s.bind((sys.argv[1],int(sys.argv[2]))); s.listen(8)
            except OSError as e:
              print('errno', e.errno, flush=True); sys.exit(1)
            print('ready', s.getsockname()[0], flush=True)
            for _ in range(int(sys.argv[4])):
              c,a=s.accept(); c.sendall((sys.argv[3]+' '+a[0]+'\\n').encode()); c.close()
            """;

    /**
     * MODE PORT TAG COUNT: as SERVE on a socket of its own kind: MODE {@code v6only} binds
     * {@code [::]:PORT} with IPV6_V6ONLY (nginx's default {@code listen [::]}), {@code dual} binds
     * {@code [::]:PORT} without it, {@code nobind} listens without a bind (the kernel picks the
     * port); prints "ready BOUND PORT" first.
     */
    static final String SERVE_KIND = """
            import socket,sys
            mode=sys.argv[1]
            s=socket.socket(socket.AF_INET if mode=='nobind' else socket.AF_INET6)
            try:
              if mode!='nobind':
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if mode=='v6only' else 0)
                s.bind(('::',int(sys.argv[2])))
              s.listen(8)
            except OSError as e:
              print('errno', e.errno, flush=True); sys.exit(1)
            print('ready', s.getsockname()[0], s.getsockname()[1], flush=True)
            for _ in range(int(sys.argv[4])):
              c,a=s.accept(); c.sendall((sys.argv[3]+' '+a[0]+'\\n').encode()); c.close()
            """;

    /** ADDR PORT [SOURCE]: connects (from SOURCE if given), prints "ANSWER... LOCAL" or "errno N". */
    static final String CONNECT = FAMILY + """
            c=socket.socket(fam); c.settimeout(5)
            try:
              if len(sys.argv)>3: c.bind((sys.argv[3],0))
              c.connect((sys.argv[1],int(sys.argv[2]))); print(c.recv(200).decode().strip(), c.getsockname()[0])
            except OSError as e: print('errno', e.errno)
            """;

    /** ADDR PORT SECONDS: receives UDP datagrams for SECONDS; prints "ready", then "from SRC DATA" per datagram, then "done". */
    static final String RECEIVE = FAMILY + """
            import time
            s=socket.socket(fam, socket.SOCK_DGRAM); s.bind((sys.argv[1],int(sys.argv[2]))); s.settimeout(0.2)
            print('ready', flush=True)
            end=time.time()+float(sys.argv[3])
            while time.time()<end:
              try:
                d,a=s.recvfrom(200); print('from', a[0], d.decode(), flush=True)
              except socket.timeout: pass
            print('done', flush=True)
            """;

    /** ADDR PORT DATA [SOURCE]: sends one UDP datagram (from SOURCE if given); prints "sent" or "errno N". */
    static final String SEND = FAMILY + """
            s=socket.socket(fam, socket.SOCK_DGRAM)
            try:
              if len(sys.argv)>4: s.bind((sys.argv[4],0))
              s.sendto(sys.argv[3].encode(), (sys.argv[1],int(sys.argv[2]))); print('sent')
            except OSError as e: print('errno', e.errno)
            """;

    /** ADDR: one ICMP echo through an unprivileged ICMP datagram socket (ping_group_range); prints "reply" or "errno N". */
    static final String PING = """
            import socket,sys
            try:
              s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP); s.settimeout(3)
              s.sendto(b'\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x01ping', (sys.argv[1],0))
              d,a=s.recvfrom(200); print('reply' if d[0]==0 else 'type %d' % d[0])
            except OSError as e: print('errno', e.errno)
            """;
}
