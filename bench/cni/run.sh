#!/bin/sh
# bench/cni/run.sh [N [H [PHASES]]]: nsl-cni driven as a runtime would,
# N pods (default 1000) on H simulated hosts (default 10), beside the
# reference bridge plugin; inside spec/sandbox only:
#   make && spec/sandbox bench/cni/run.sh
# Needs containernetworking-plugins (/usr/lib/cni/bridge; make bench
# installs it).  Figures: bench/README.md, "nsl-cni".
set -eu
[ "${NSL_SANDBOX:-}" = 1 ] || { echo "run it inside spec/sandbox" >&2; exit 2; }
N=${1:-1000}; H=${2:-10}; PHASES=${3:-floor bridge cni concurrent kernel}
cd "$(dirname "$0")/../.."
W=$(mktemp -d /tmp/nsl-cni-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
./nsl bench/cni/gen.lua "$N" "$H" > "$W/topo.lua"
NSL_CNI=$PWD/nsl-cni ./nsl bench/cni/drive.lua "$W" "$W/topo.lua" "$N" "$H" "$PHASES"
