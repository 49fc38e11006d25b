#!/bin/bash
# W1 "star": time setup and teardown of N namespaces on one bridge for one peer.
#   w1.sh PEER N [RUNS]
# PEER: p1 (ip per command, ip -n)   p1x (ip per command, ip netns exec)
#       p2 (ip -batch + ip -n NS -batch per netns)   p2x (one ip -batch, netns exec lines)
#       p3 (pyroute2 NetNS objects)  p3p (pyroute2 pushns + IPRoute)
#       p4 (Mininet, one process: phases timed inside)   p5 (raw_limit, libmnl)
#       nsl (bench/star.lua under ../nsl, or $NSL)
#       p5n (raw_limit with NOIPV6=1: no IPv6 link-local on eth0; a different
#            workload, shows the cost of IPv6 autoconf flooding over br-bench)
# 1. a checked run: setup, ping benchns1 -> benchnsN (not timed), teardown
#    returning without waiting (time to return), then time until the kernel
#    has removed every bench link, and a check that nothing is left;
#    /usr/bin/time gives the true peak RSS of setup (abrun.py's peak cannot read below its own ~12 MiB).
# 2. abrun.py: RUNS pairs A=setup, B=teardown (which waits until nothing is
#    left), run in turn A B A B ... after one warm-up pair.
# Results: results/w1_PEER_N.{check,fb}.txt. Cleans up on any exit.
set -u
source "$(dirname "$0")/lib.sh"
peer=$1 n=$2 runs=${3:-5}
cd "$BENCH_DIR"
mkdir -p "$RESULTS"
mnsave=$(mktemp /tmp/bench-sysctl.XXXXXX)
mn_sysctl_save "$mnsave"
finish() { bench_cleanup; mn_sysctl_restore "$mnsave"; rm -f "$mnsave"; }
trap finish EXIT
trap 'exit 130' INT TERM
bench_cleanup
timeout=${TIMEOUT:-$(( n * runs / 2 + 120 ))}
(( timeout > 3600 )) && timeout=3600

NSL=${NSL:-$BENCH_DIR/../nsl}
case $peer in
nsl) S="$NSL ./star.lua setup $n";       T="$NSL ./star.lua teardown $n";       TQ="$T -q" ;;
p1)  S="./p1_ip.sh setup $n";            T="./p1_ip.sh teardown $n";            TQ="env NOWAIT=1 $T" ;;
p1x) S="env STYLE=exec ./p1_ip.sh setup $n"; T="./p1_ip.sh teardown $n";        TQ="env NOWAIT=1 $T" ;;
p2)  S="./p2_batch.sh setup $n";         T="./p2_batch.sh teardown $n";         TQ="env NOWAIT=1 $T" ;;
p2x) S="env STYLE=exec ./p2_batch.sh setup $n"; T="./p2_batch.sh teardown $n";  TQ="env NOWAIT=1 $T" ;;
p3)  S="$PY ./p3_pyroute2.py setup $n netns";  T="$PY ./p3_pyroute2.py teardown $n"; TQ="env NOWAIT=1 $T" ;;
p3p) S="$PY ./p3_pyroute2.py setup $n pushns"; T="$PY ./p3_pyroute2.py teardown $n"; TQ="env NOWAIT=1 $T" ;;
p5)  S="./raw_limit setup $n";           T="./raw_limit teardown $n";           TQ="$T -q" ;;
p5n) S="env NOIPV6=1 ./raw_limit setup $n"; T="./raw_limit teardown $n";        TQ="$T -q" ;;
p4)
	out=$RESULTS/w1_p4_$n.json
	: >"$out"
	echo "== W1 p4 N=$n: abrun.py, $runs runs + 1 warm-up (phases in $out)"
	$TIMER -n "$runs" --warmup 1 --timeout "$timeout" -- \
		sh -c "exec $PY ./p4_mininet.py w1 $n >>$out 2>&1" | tee "$RESULTS/w1_p4_$n.fb.txt"
	cat "$out"
	check_clean | tee -a "$RESULTS/w1_p4_$n.fb.txt"
	exit 0 ;;
*) echo "unknown peer $peer" >&2; exit 2 ;;
esac

chk=$RESULTS/w1_${peer}_$n.check.txt
{
	echo "== W1 $peer N=$n checked run"
	t0=$EPOCHREALTIME
	/usr/bin/time -f 'setup /usr/bin/time: wall %e s, user %U s, sys %S s, max RSS %M KiB' $S || echo "SETUP FAILED"
	t1=$EPOCHREALTIME
	echo "setup_s $(elapsed $t0 $t1)"
	echo "links: $(ip -o link show master br-bench | wc -l) enslaved to br-bench; netns: $(ip netns list | grep -c bench)"
	check_ping "$n"
	t2=$EPOCHREALTIME
	/usr/bin/time -f 'teardown(no wait) /usr/bin/time: wall %e s, max RSS %M KiB' $TQ
	t3=$EPOCHREALTIME
	left=$(ls /sys/class/net | grep -c '^benchv')
	wait_links_gone 300
	t4=$EPOCHREALTIME
	echo "teardown_return_s $(elapsed $t2 $t3)"
	echo "veths still present when teardown returned: $left of $n"
	echo "teardown_gone_s $(elapsed $t2 $t4)"
	check_clean
} 2>&1 | tee "$chk"
msleep 2
echo "== W1 $peer N=$n: abrun.py A=setup B=teardown, $runs pairs + 1 warm-up"
$TIMER -n "$runs" --warmup 1 --timeout "$timeout" --vs "$T" -- $S | tee "$RESULTS/w1_${peer}_$n.fb.txt"
check_clean | tee -a "$RESULTS/w1_${peer}_$n.fb.txt"
