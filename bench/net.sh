#!/bin/sh
# Network cost of the guest network modes, against the host itself and a plain veth pair:
#   - TCP throughput (iperf3, 5 s, one stream) and TCP connection rate (connect+accept+close,
#     a small C client/server) from a shared-mode guest to the host, against host to host, over
#     127.0.0.0/8 addresses (goal: >= 98%);
#   - a host-mode guest (same cgroup, seccomp filter and exec path, no hooks) separates the hooks' cost;
#   - the same from a netns guest to the host through the bridge (veth + bridge port + the
#     anti-spoofing filter), against host loopback (goal: >= 90%), and a plain veth pair between
#     two namespaces (no bridge, no filter) as the floor any private stack pays;
#   - `vserver NAME start` time per mode (none, host, shared, netns), median of RUNS;
#   - a wildcard (0.0.0.0) listener in the shared guest, reached on its first address and on its
#     second (handed over at connect time by the sk_lookup program), against the same listener on
#     the host (goal: >= 90% of the connection rate; throughput unchanged).
# Everything runs inside a network namespace this script makes (the "host"): no packet reaches
# the machine's own devices. Median of RUNS runs each, interleaved, under flock /tmp/vserver-cpu.lock.
# Prints the figures and ratios; never fails on a figure.
# The netns guest's bridge and the plain veth have the loopback's MTU (65535); one more guest on a
# 1500-MTU bridge shows the cost of LAN-sized frames.
# Usage: bench/net.sh [RUNS]   (odd, default 5; as root, after mvn package)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
need_packages iperf3:iperf3 gcc:gcc
[ -f target/vserver.jar ] || build -DskipTests package
RUNS=${1:-5}
bench_odd "$RUNS"
if [ -z "${VSERVER_CPU_LOCKED:-}" ]; then VSERVER_CPU_LOCKED=1 exec flock /tmp/vserver-cpu.lock "$PWD/bench/${0##*/}" "$@"; fi
bench_init
NS=vsbench-$$
PEER=vsbenchp-$$
IN="nsenter --net=/run/netns/$NS"
BENCH_IN=$IN   # the guests are stopped in the namespace they run in
at_cleanup 'ip netns del "$PEER" 2>/dev/null; ip netns del "$NS" 2>/dev/null'

# Connection rate: N connect()+close() against a server that accepts and closes; the client prints
# connections per second of wall time (both ends are on this 2-CPU machine).
cat > "$W/conn.c" <<'C'
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
int main (int argc, char **argv)
{
  struct sockaddr_in a;
  int one = 1;
  memset (&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons (atoi (argv[3]));
  inet_pton (AF_INET, argv[2], &a.sin_addr);
  if (argv[1][0] == 's')
    {
      int s = socket (AF_INET, SOCK_STREAM, 0);
      setsockopt (s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind (s, (struct sockaddr *) &a, sizeof a) || listen (s, 512))
        return perror ("server"), 1;
      for (;;)
        {
          int c = accept (s, NULL, NULL);
          if (c >= 0)
            close (c);
        }
    }
  long n = atol (argv[4]), i;
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  for (i = 0; i < n; i++)
    {
      int c = socket (AF_INET, SOCK_STREAM, 0);
      struct linger l = { 1, 0 };        /* RST on close: no TIME_WAIT pile-up exhausting ports */
      if (connect (c, (struct sockaddr *) &a, sizeof a))
        return perror ("connect"), 1;
      setsockopt (c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      close (c);
    }
  clock_gettime (CLOCK_MONOTONIC, &t1);
  printf ("%.0f\n", n / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9));
  return 0;
}
C
gcc -O2 -o "$W/conn" "$W/conn.c"

ip netns add "$NS"
$IN ip link set lo up
# The bridge has the loopback's MTU, so the comparison with host loopback is about the path, not
# the frame size; a second bridge at 1500 (a LAN's MTU) shows what the frame size costs.
# `ip link set mtu`, not `ip link add ... mtu`: only a set MTU is the admin's, which the kernel keeps
# when the bridge's last port goes (else it falls back to 1500, and the next guest takes that).
$IN ip link add vsbench0 type bridge
$IN ip link set vsbench0 mtu 65535
$IN ip link add vsbench1 type bridge
$IN ip link set vsbench1 mtu 1500
$IN ip addr add 10.79.0.1/24 dev vsbench1
$IN ip link set vsbench1 up
$IN ip addr add 10.77.0.1/24 dev vsbench0
$IN ip link set vsbench0 up
# the floor for a private stack: a plain veth pair to a second namespace
ip netns add "$PEER"
$IN ip link add vb-host mtu 65535 type veth peer name vb-peer mtu 65535 netns "$PEER"
$IN ip addr add 10.78.0.1/24 dev vb-host
$IN ip link set vb-host up
ip -n "$PEER" addr add 10.78.0.2/24 dev vb-peer
ip -n "$PEER" link set vb-peer up
ip -n "$PEER" link set lo up

mkguest() { # NAME MODE [IP]
    bin/vserver "$1" build -m host >/dev/null
    mkdir -p "$W/etc/$1/interfaces"
    echo "$2" > "$W/etc/$1/interfaces/mode"
    if [ -n "${3:-}" ]; then
        mkdir -p "$W/etc/$1/interfaces/00"
        echo "$3" > "$W/etc/$1/interfaces/00/ip"
        if [ "$2" = shared ]; then
            echo lo > "$W/etc/$1/interfaces/00/dev"
            # the host's servers listen on 127.77.0.200: of 127/8 a guest reaches only what it is allowed
            echo 127.77.0.200 > "$W/etc/$1/interfaces/lback.allow"
        fi
        [ "$2" = netns ] && echo "${4:-vsbench0}" > "$W/etc/$1/interfaces/bridge"
    fi
    # the tools run from this guest's own tree: host-method guests share /usr, not /tmp
    mkdir -p "$W/guests/$1/opt"; cp "$W/conn" "$W/guests/$1/opt/conn"
}
mkguest bnone none
mkguest bhost host
mkguest bshared shared 127.77.0.1
mkdir -p "$W/etc/bshared/interfaces/01"; echo 127.77.0.2 > "$W/etc/bshared/interfaces/01/ip"; echo lo > "$W/etc/bshared/interfaces/01/dev"
mkguest bnetns netns 10.77.0.2
mkguest bnetns1500 netns 10.79.0.2 vsbench1

ms() { date +%s%N; }

echo "== start time per network mode (ms, median of $RUNS)"
for m in none host shared netns; do
    : > "$W/start-$m"
    for i in $(seq "$RUNS"); do
        t0=$(ms); $IN bin/vserver "b$m" start >/dev/null; t1=$(ms)
        echo $(( (t1 - t0) / 1000000 )) >> "$W/start-$m"
        $IN bin/vserver "b$m" stop >/dev/null
    done
    printf "  %-7s %s ms\n" "$m" "$(median < "$W/start-$m")"
done

$IN bin/vserver bshared start >/dev/null
$IN bin/vserver bhost start >/dev/null
$IN bin/vserver bnetns start >/dev/null
$IN bin/vserver bnetns1500 start >/dev/null

# servers on the host side: iperf3 on 127.77.0.200 (shared, host) and 10.77.0.1 (bridge), 10.78.0.1 (veth)
$IN iperf3 -s -D -B 127.77.0.200 -p 5201 -I "$W/ip1.pid"
$IN iperf3 -s -D -B 10.77.0.1 -p 5202 -I "$W/ip2.pid"
$IN iperf3 -s -D -B 10.78.0.1 -p 5203 -I "$W/ip3.pid"
$IN iperf3 -s -D -B 10.79.0.1 -p 5204 -I "$W/ip4.pid"
$IN "$W/conn" s 127.77.0.200 6201 & echo $! > "$W/c1.pid"
$IN "$W/conn" s 10.77.0.1 6202 & echo $! > "$W/c2.pid"
$IN "$W/conn" s 10.78.0.1 6203 & echo $! > "$W/c3.pid"
$IN "$W/conn" s 10.79.0.1 6204 & echo $! > "$W/c4.pid"
# wildcard listeners: in the shared guest (bound to its first address, steered on the second) and on the host
$IN bin/vserver bshared exec sh -c '/opt/conn s 0.0.0.0 6301 >/dev/null 2>&1 & iperf3 -s -D -p 5301 >/dev/null 2>&1'
$IN "$W/conn" s 0.0.0.0 6302 & echo $! > "$W/c5.pid"
$IN iperf3 -s -D -p 5302 -I "$W/ip5.pid"
sleep 1
stopservers() { for f in "$W"/ip*.pid "$W"/c*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done; true; }
at_cleanup stopservers

# Gbit/s of the receiver's summary line (python3-minimal has no json module)
gbps() { awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Gbits/sec") print $(i - 1) }'; }
for k in host hostmode shared loop netns netns1500 veth whost wfirst wsecond; do : > "$W/tp-$k"; : > "$W/cr-$k"; done
CONNS=20000
for i in $(seq "$RUNS"); do
    $IN iperf3 -c 127.77.0.200 -p 5201 -B 127.77.0.201 -t 5 -f g | gbps >> "$W/tp-host"
    $IN bin/vserver bshared exec iperf3 -c 127.77.0.200 -p 5201 -t 5 -f g | gbps >> "$W/tp-shared"
    $IN bin/vserver bhost exec iperf3 -c 127.77.0.200 -p 5201 -B 127.77.0.202 -t 5 -f g | gbps >> "$W/tp-hostmode"
    $IN iperf3 -c 10.77.0.1 -p 5202 -B 10.77.0.1 -t 5 -f g | gbps >> "$W/tp-loop"
    $IN bin/vserver bnetns exec iperf3 -c 10.77.0.1 -p 5202 -t 5 -f g | gbps >> "$W/tp-netns"
    $IN bin/vserver bnetns1500 exec iperf3 -c 10.79.0.1 -p 5204 -t 5 -f g | gbps >> "$W/tp-netns1500"
    ip netns exec "$PEER" iperf3 -c 10.78.0.1 -p 5203 -t 5 -f g | gbps >> "$W/tp-veth"
    $IN "$W/conn" c 127.77.0.200 6201 $CONNS >> "$W/cr-host"
    $IN bin/vserver bshared exec /opt/conn c 127.77.0.200 6201 $CONNS >> "$W/cr-shared"
    $IN bin/vserver bhost exec /opt/conn c 127.77.0.200 6201 $CONNS >> "$W/cr-hostmode"
    $IN "$W/conn" c 10.77.0.1 6202 $CONNS >> "$W/cr-loop"
    $IN bin/vserver bnetns exec /opt/conn c 10.77.0.1 6202 $CONNS >> "$W/cr-netns"
    $IN bin/vserver bnetns1500 exec /opt/conn c 10.79.0.1 6204 $CONNS >> "$W/cr-netns1500"
    ip netns exec "$PEER" "$W/conn" c 10.78.0.1 6203 $CONNS >> "$W/cr-veth"
    $IN "$W/conn" c 127.77.0.200 6302 $CONNS >> "$W/cr-whost"
    $IN "$W/conn" c 127.77.0.1 6301 $CONNS >> "$W/cr-wfirst"
    $IN "$W/conn" c 127.77.0.2 6301 $CONNS >> "$W/cr-wsecond"
    $IN iperf3 -c 127.77.0.200 -p 5302 -t 5 -f g | gbps >> "$W/tp-whost"
    $IN iperf3 -c 127.77.0.1 -p 5301 -t 5 -f g | gbps >> "$W/tp-wfirst"
    $IN iperf3 -c 127.77.0.2 -p 5301 -t 5 -f g | gbps >> "$W/tp-wsecond"
done

echo "== samples (throughput Gbit/s; connections/s)"
for k in host hostmode shared loop netns netns1500 veth whost wfirst wsecond; do printf "  %-10s %s; %s\n" "$k" "$(tr '\n' ' ' < "$W/tp-$k")" "$(tr '\n' ' ' < "$W/cr-$k")"; done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", 100 * a / b }'; }
for k in host hostmode shared loop netns netns1500 veth whost wfirst wsecond; do eval "TP_$k=$(median < "$W/tp-$k")"; eval "CR_$k=$(median < "$W/cr-$k")"; done
echo "== TCP throughput, one stream, Gbit/s (median of $RUNS x 5 s)"
echo "  host -> host (127/8)            $TP_host"
echo "  shared guest -> host            $TP_shared   $(ratio "$TP_shared" "$TP_host") of host   (goal >= 98%)"
echo "  host-mode guest -> host         $TP_hostmode   $(ratio "$TP_hostmode" "$TP_host") of host; shared/host-mode guest: $(ratio "$TP_shared" "$TP_hostmode") (the hooks alone)"
echo "  host loopback (the host's own)  $TP_loop"
echo "  netns guest -> host (bridge)    $TP_netns   $(ratio "$TP_netns" "$TP_loop") of host loopback   (goal >= 90%); of a plain veth: $(ratio "$TP_netns" "$TP_veth")"
echo "  netns guest, bridge MTU 1500    $TP_netns1500   $(ratio "$TP_netns1500" "$TP_loop") of host loopback"
echo "  plain veth pair (no bridge)     $TP_veth   $(ratio "$TP_veth" "$TP_loop") of host loopback"
echo "== TCP connections per second (median of $RUNS x $CONNS)"
echo "  host -> host (127/8)            $CR_host"
echo "  shared guest -> host            $CR_shared   $(ratio "$CR_shared" "$CR_host") of host"
echo "  host-mode guest -> host         $CR_hostmode   $(ratio "$CR_hostmode" "$CR_host") of host; shared/host-mode guest: $(ratio "$CR_shared" "$CR_hostmode")"
echo "  host loopback                   $CR_loop"
echo "  netns guest -> host (bridge)    $CR_netns   $(ratio "$CR_netns" "$CR_loop") of host loopback"
echo "  netns guest, bridge MTU 1500    $CR_netns1500   $(ratio "$CR_netns1500" "$CR_loop") of host loopback"
echo "  plain veth pair                 $CR_veth   $(ratio "$CR_veth" "$CR_loop") of host loopback"
echo "== a wildcard listener (0.0.0.0) in the shared guest: connections per second (median of $RUNS x $CONNS)"
echo "  host's own listener, host address     $CR_whost"
echo "  guest's, on its first address         $CR_wfirst   $(ratio "$CR_wfirst" "$CR_whost") of the host's   (goal >= 90%)"
echo "  guest's, on its second (steered)      $CR_wsecond   $(ratio "$CR_wsecond" "$CR_whost") of the host's   (goal >= 90%)"
echo "  throughput to it, Gbit/s: host's $TP_whost, guest's on its second address $TP_wsecond   $(ratio "$TP_wsecond" "$TP_whost")"
