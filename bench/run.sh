#!/bin/bash
# bench/run.sh [NS...]: W1 star with nsl and its peers at N = 100, 500, 1000
# (or the Ns given), then results/summary.md with the ratios to raw_limit.
# Run it as root inside the sandbox, from the top of the tree:
#   make && spec/sandbox bench/run.sh
# RUNS (default 3) timed pairs per peer; PEERS to choose ("nsl p5 p2 p3p p1 p4").
# A peer whose tool is missing is skipped with a note.
set -u
cd "$(dirname "$0")"
source ./lib.sh
make -s raw_limit
mkdir -p results
runs=${RUNS:-3}
peers=${PEERS:-"nsl p5 p2 p3p p1 p4"}
ns=${*:-"100 500 1000"}
have() {
	case $1 in
	p3|p3p) /usr/bin/python3 -c 'import pyroute2' 2>/dev/null ;;
	p4) /usr/bin/python3 -c 'import mininet' 2>/dev/null && command -v brctl >/dev/null ;;
	nsl) [[ -x ${NSL:-../nsl} ]] ;;
	*) true ;;
	esac
}
for n in $ns; do
	for p in $peers; do
		if ! have "$p"; then echo "== skipping $p: its tool is not installed" | tee -a results/skipped.txt; continue; fi
		# the slow peers only at the smaller sizes, to keep a run short
		[[ $p == p1 && $n -gt 500 ]] && continue
		[[ $p == p4 && $n -gt 100 ]] && continue
		./w1.sh "$p" "$n" "$runs"
	done
done
# nsl at N=5000 under ulimit -n 1024 (5 bridges: a bridge takes 1024 ports
# at most); N5000=0 skips it
if [[ " $peers " == *" nsl "* && ${N5000:-1} != 0 ]]; then
	{
		echo "== nsl N=5000 under ulimit -n 1024"
		( ulimit -n 1024; /usr/bin/time -f 'setup: wall %e s, user %U s, sys %S s, max RSS %M KiB' \
			${NSL:-../nsl} ./star.lua setup 5000 ) && echo "setup ok"
		echo "namespaces: $(ls /run/netns | grep -c '^benchns'), ports: $(ls /sys/class/net | grep -c '^benchv')"
		ip netns exec benchns4001 ping -c1 -W2 "$(addr_of 5000)" >/dev/null &&
			echo "ping benchns4001 -> benchns5000: ok"
		( ulimit -n 1024; /usr/bin/time -f 'teardown: wall %e s, user %U s, sys %S s, max RSS %M KiB' \
			${NSL:-../nsl} ./star.lua teardown 5000 ) && echo "teardown ok"
		echo "left: namespaces $(ls /run/netns | wc -l), links $(ls /sys/class/net | wc -l) (lo)"
	} 2>&1 | tee results/n5000.txt
fi
/usr/bin/python3 summarize.py >results/summary.md
cat results/summary.md
