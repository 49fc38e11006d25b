#!/bin/sh
# bench/exec_bench.sh [COUNT] [ROUNDS]: the cost of starting /bin/true in a
# named network namespace and waiting for it, per call, for
#   nsl        ns_exec(NS, {"/bin/true"})             (ip netns exec semantics)
#   nsl-nomnt  ns_exec(NS, {"/bin/true"}, {mount = false}) (setns only)
#   ip         ip netns exec NS /bin/true
#   nsenter    nsenter --net=/run/netns/NS /bin/true
#   bare       fork + setns + execve /bin/true + wait, in C (bench/exec_raw.c)
# COUNT calls each (default 200), ROUNDS rounds taken in turn (default 5);
# prints each round and the medians, then the ratios the goals are set in.
# Run it as root inside spec/sandbox (make its own namespace there):
#   spec/sandbox bench/exec_bench.sh
set -eu
count=${1:-200}
rounds=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
nsl=${NSL_BIN:-$here/../nsl}
ns=benchexec$$
work=$(mktemp -d /tmp/nsl-exec-bench.XXXXXX)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -o "$work/exec_raw" "$here/exec_raw.c"
ip netns add "$ns"
ip -n "$ns" link set lo up

nsl_ms() { # $1: extra options
	"$nsl" -e "
		local opts = { $1 }
		ns_exec('$ns', { '/bin/true' }, opts)   -- warm-up
		local t0 = now()
		for _ = 1, $count do
			local r = ns_exec('$ns', { '/bin/true' }, opts)
			if r.code ~= 0 then error('true failed') end
		end
		print(string.format('%.4f', (now() - t0) / $count * 1e3))"
}

for tool in nsl nsl-nomnt ip nsenter bare; do : >"$work/$tool"; done
# The setns-only tools run first in a round, after a pause: the kernel
# finishes tearing down the mount namespaces of the mount-heavy ones (ip,
# nsl) in deferred work that would otherwise land on whatever runs next.
for r in $(seq "$rounds"); do
	sleep 0.5
	nsl_ms "mount = false" >>"$work/nsl-nomnt"
	"$work/exec_raw" exec "$ns" "$count" >>"$work/bare"
	"$work/exec_raw" loop "$count" nsenter --net="/run/netns/$ns" /bin/true >>"$work/nsenter"
	"$work/exec_raw" loop "$count" ip netns exec "$ns" /bin/true >>"$work/ip"
	nsl_ms "" >>"$work/nsl"
	printf 'round %d:' "$r"
	for tool in nsl nsl-nomnt ip nsenter bare; do printf ' %s %s' "$tool" "$(tail -n1 "$work/$tool")"; done
	echo
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "median ms per call ($count calls x $rounds rounds):"
for tool in nsl nsl-nomnt ip nsenter bare; do
	eval "m_$(echo "$tool" | tr - _)=$(median "$work/$tool")"
	printf '  %-10s %s\n' "$tool" "$(median "$work/$tool")"
done
# Ratios are taken per round (the tools of one round ran seconds apart),
# then the median of those: steadier than a ratio of medians when the
# machine's load drifts.
paste "$work/nsl" "$work/ip" "$work/nsl-nomnt" "$work/bare" "$work/nsenter" >"$work/rounds"
ratio() { awk "{ print $1 }" "$work/rounds" >"$work/ratio"; median "$work/ratio"; }
printf 'ratios (median of per-round ratios):\n'
printf '  nsl / ip netns exec        %.2f  (goal <= 0.55)\n' "$(ratio '$1 / $2')"
printf '  nsl-nomnt / bare launcher  %.2f  (goal <= 1.10)\n' "$(ratio '$3 / $4')"
printf '  nsl / nsenter              %.2f\n' "$(ratio '$1 / $5')"
printf '  nsl / bare launcher        %.2f\n' "$(ratio '$1 / $4')"
