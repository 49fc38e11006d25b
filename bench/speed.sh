#!/bin/bash
# bench/speed.sh: nsl measured the way users work, side by side in one run.
#   W1 star through nsl.topology (bench/topo_w1.lua) against raw_limit (the
#      floor: libmnl, fewest syscalls) at N = 100 500 1000 (or $W1_NS):
#      up and down, down timed until the kernel has removed every link.
#   W3 per-test world (bench/w3/): nsl.topology against bash + ip (the
#      kernel-selftest style, ../shared/bench/w3/world_ip.sh) and pyroute2.
# Medians of RUNS (default 3) runs, alternating the peers; ratios to the
# peer.  Results in results/speed.md.  As root, inside the sandbox:
#   make bench            (= make && spec/sandbox bench/speed.sh)
set -u
cd "$(dirname "$0")"
source ./lib.sh
make -s raw_limit
mkdir -p results
NSL=${NSL:-$BENCH_DIR/../nsl}
runs=${RUNS:-3}
w1_ns=${W1_NS:-"100 500 1000"}
worlds=${W3_WORLDS:-20}
out=results/speed.md
trap 'bench_cleanup' EXIT
trap 'exit 130' INT TERM

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
now_s() { echo "${EPOCHREALTIME}"; }

{
echo "# Speed where users feel it ($(date -u +%Y-%m-%d), $(uname -r), $(nproc) cores, RUNS=$runs)"
echo
echo "## W1 star through nsl.topology against raw_limit"
echo
echo "| N | raw_limit up s | nsl topology up s | x | raw_limit down s | nsl topology down s | x |"
echo "|---|---|---|---|---|---|---|"
} >"$out"
for n in $w1_ns; do
	bench_cleanup
	: >/tmp/speed_raw_up; : >/tmp/speed_raw_down; : >/tmp/speed_nsl_up; : >/tmp/speed_nsl_down
	for ((r = 0; r < runs; r++)); do
		t0=$(now_s); ./raw_limit setup "$n" >/dev/null || { echo "raw_limit setup failed" >&2; exit 1; }
		t1=$(now_s); ./raw_limit teardown "$n" >/dev/null; t2=$(now_s)
		echo "$t1 - $t0" | bc -l >>/tmp/speed_raw_up
		echo "$t2 - $t1" | bc -l >>/tmp/speed_raw_down
		"$NSL" ./topo_w1.lua "$n" 1 >/tmp/speed_nsl_run || { echo "topo_w1 failed" >&2; cat /tmp/speed_nsl_run >&2; exit 1; }
		awk '/^up_s/ {print $2}' /tmp/speed_nsl_run >>/tmp/speed_nsl_up
		awk '/^down_s/ {print $2}' /tmp/speed_nsl_run >>/tmp/speed_nsl_down
		check_clean >/dev/null || { echo "W1 N=$n: objects left" >&2; exit 1; }
	done
	ru=$(median </tmp/speed_raw_up); rd=$(median </tmp/speed_raw_down)
	nu=$(median </tmp/speed_nsl_up); nd=$(median </tmp/speed_nsl_down)
	printf '| %s | %.3f | %.3f | %s | %.3f | %.3f | %s |\n' "$n" "$ru" "$nu" "$(ratio "$nu" "$ru")" \
		"$rd" "$nd" "$(ratio "$nd" "$rd")" | tee -a "$out"
done

# Goal 3: a large lab without IPv6 autoconfiguration (ipv6 = false)
# against raw_limit's default workload (and its NOIPV6 variant, the same
# workload as nsl's here).
n=${W1_NOV6_N:-1000}
: >/tmp/speed_raw_up; : >/tmp/speed_rawn_up; : >/tmp/speed_nsl_up; : >/tmp/speed_nsl_down
for ((r = 0; r < runs; r++)); do
	bench_cleanup
	t0=$(now_s); ./raw_limit setup "$n" >/dev/null || exit 1; t1=$(now_s)
	./raw_limit teardown "$n" >/dev/null
	echo "$t1 - $t0" | bc -l >>/tmp/speed_raw_up
	t0=$(now_s); NOIPV6=1 ./raw_limit setup "$n" >/dev/null || exit 1; t1=$(now_s)
	./raw_limit teardown "$n" >/dev/null
	echo "$t1 - $t0" | bc -l >>/tmp/speed_rawn_up
	"$NSL" ./topo_w1.lua "$n" 1 ipv6=false >/tmp/speed_nsl_run || { cat /tmp/speed_nsl_run >&2; exit 1; }
	awk '/^up_s/ {print $2}' /tmp/speed_nsl_run >>/tmp/speed_nsl_up
	awk '/^down_s/ {print $2}' /tmp/speed_nsl_run >>/tmp/speed_nsl_down
	check_clean >/dev/null || { echo "W1 ipv6=false N=$n: objects left" >&2; exit 1; }
done
ru=$(median </tmp/speed_raw_up); rn=$(median </tmp/speed_rawn_up); nu=$(median </tmp/speed_nsl_up)
{
echo
echo "## W1 N=$n with ipv6 = false (no IPv6 autoconfiguration on the links)"
echo
echo "| raw_limit up s (default) | raw_limit NOIPV6=1 up s | nsl topology ipv6 = false up s | x raw_limit default | x raw_limit NOIPV6 |"
echo "|---|---|---|---|---|"
printf '| %.3f | %.3f | %.3f | %s | %s |\n' "$ru" "$rn" "$nu" "$(ratio "$nu" "$ru")" "$(ratio "$nu" "$rn")"
} >>"$out"

{
echo
echo "## W3 per-test world ($worlds worlds per peer and run; ms per world, median)"
echo
echo "| peer | ms per world | x bash + ip |"
echo "|---|---|---|"
} >>"$out"
: >/tmp/speed_w3_ip; : >/tmp/speed_w3_nsl; : >/tmp/speed_w3_py; : >/tmp/speed_w3_parts
for ((r = 0; r < runs; r++)); do
	t0=$(now_s); ./w3/world_ip.sh "$worlds" || exit 1; t1=$(now_s)
	echo "($t1 - $t0) * 1000 / $worlds" | bc -l >>/tmp/speed_w3_ip
	"$NSL" ./w3/world_nsl.lua "$worlds" >/tmp/speed_w3_run || { cat /tmp/speed_w3_run >&2; exit 1; }
	awk '{print $2}' /tmp/speed_w3_run >>/tmp/speed_w3_nsl
	cat /tmp/speed_w3_run >>/tmp/speed_w3_parts
	if $PY -c 'import pyroute2' 2>/dev/null; then
		$PY ./w3/world_pyroute2.py "$worlds" | awk '{print $2}' >>/tmp/speed_w3_py || exit 1
	fi
done
ip_ms=$(median </tmp/speed_w3_ip); nsl_ms=$(median </tmp/speed_w3_nsl)
printf '| bash + ip | %.1f | 1.00 |\n' "$ip_ms" >>"$out"
if [[ -s /tmp/speed_w3_py ]]; then
	py_ms=$(median </tmp/speed_w3_py)
	printf '| pyroute2 | %.1f | %s |\n' "$py_ms" "$(ratio "$py_ms" "$ip_ms")" >>"$out"
fi
printf '| nsl.topology | %.1f | %s |\n' "$nsl_ms" "$(ratio "$nsl_ms" "$ip_ms")" >>"$out"
{
echo
printf 'nsl per world, medians: up %.1f ms, exec %.1f ms, down %.1f ms\n' \
	"$(awk '{print $4}' /tmp/speed_w3_parts | median)" "$(awk '{print $6}' /tmp/speed_w3_parts | median)" \
	"$(awk '{print $8}' /tmp/speed_w3_parts | median)"
} >>"$out"
rm -f /tmp/speed_*
cat "$out"
