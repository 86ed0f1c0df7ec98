#!/usr/bin/env bash
# Verify beside its floor in CPU time, builds alternated (BENCHMARKS.md,
# "Format 2, fourth session" and "fifth session"). Each round, for each
# binary given:
#
# 1. *At the same time, one core each*: examples/curve_ops --floor-until
#    measures the floor (8 decodes and 8 batch terms a ballot) on core 1 for
#    exactly as long as `urne verify DIR` runs on core 0 with one thread
#    (RAYON_NUM_THREADS=1, taskset). The host's speed drifts by tens of per
#    cent within minutes, so a floor measured before or after verify is a
#    different machine's; measured beside it, both see the same one.
# 2. *In turn, verify on both cores*: curve_ops' floor alone, then
#    `urne verify DIR` with its default threads.
#
# Prints two Markdown tables: round, floor µs a ballot, binary, verify wall
# and CPU seconds (user + system, the whole run: start-up and pass 2
# included), µs of CPU a ballot over the box's ballots, and that over the
# floor.
#
#   bench/floor-pairs.sh DIR                       # 6 rounds, target/release/urne
#   ROUNDS=3 bench/floor-pairs.sh DIR /path/urne-old target/release/urne
#
# DIR is an unlocked event directory (bench/scale.sh's, or `urne simulate`
# then `urne unlock`); the same box for every binary. Verify's verdict there
# may be INCOMPLETE (no postal count or protocol), but a run is only timed if
# its box checks held (V-BALLOT-PROOFS and V-SUMS): otherwise the script
# stops, so that no figure comes from a verify that stopped early. Needs
# taskset (util-linux) and two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bench/floor-pairs.sh DIR [BIN...]" >&2; exit 2; }
dir=$1; shift
bins=("$@"); [ ${#bins[@]} -gt 0 ] || bins=("$PWD/target/release/urne")
ROUNDS=${ROUNDS:-6}
cargo build --release --locked --quiet --example curve_ops
co=target/release/examples/curve_ops
ballots=$(($(wc -l <"$dir/box.jsonl") - 2))
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
held() { # verify's report: the box was read through and its checks held
  grep -q '^held *V-BALLOT-PROOFS' "$1" && grep -q '^held *V-SUMS' "$1" ||
    { echo "bench/floor-pairs.sh: $2 verify $dir did not check the whole box:" >&2; tail -3 "$1" >&2; exit 1; }
}
floor_of() { sed -n 's/^floor, format 2 [^:]*: \([0-9.]*\) µs.*/\1/p' "$1"; }
row() { # round floor binary timefile
  read -r wall user sys < <(tail -1 "$4")
  awk -v r="$1" -v f="$2" -v b="$(basename "$3")" -v w="$wall" -v u="$user" -v s="$sys" -v n="$ballots" \
    'BEGIN { c = u + s; us = 1e6 * c / n; printf "| %d | %.1f | %s | %.2f | %.2f | %.1f | %.3f |\n", r, f, b, w, c, us, us / f }'
}
for round in $(seq 1 "$ROUNDS"); do
  for b in "${bins[@]}"; do
    rm -f "$w/stop"
    taskset -c 1 "$co" --floor-until "$w/stop" >"$w/floor" 2>"$w/ready" &
    pid=$!
    until grep -q ready "$w/ready" 2>/dev/null; do sleep 0.1; done
    RAYON_NUM_THREADS=1 /usr/bin/time -f '%e %U %S' -o "$w/t" taskset -c 0 "$b" verify "$dir" >"$w/out" 2>&1 || true
    touch "$w/stop"; wait "$pid"
    held "$w/out" "$b"
    row "$round" "$(floor_of "$w/floor")" "$b" "$w/t" >>"$w/beside"
  done
  "$co" 20000 >"$w/floor"
  f=$(floor_of "$w/floor")
  for b in "${bins[@]}"; do
    /usr/bin/time -f '%e %U %S' -o "$w/t" "$b" verify "$dir" >"$w/out" 2>&1 || true
    held "$w/out" "$b"
    row "$round" "$f" "$b" "$w/t" >>"$w/turn"
  done
done
echo "CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown), $(nproc) cores; $ballots ballots"
echo
echo "At the same time, one core each (floor on core 1 while verify runs on core 0, one thread):"
echo
echo "| round | floor µs a ballot | binary | verify wall s | CPU s | µs a ballot | × floor |"
echo "|---:|---:|---|---:|---:|---:|---:|"
cat "$w/beside"
echo
echo "In turn, verify on all cores (the floor alone on one core, then verify):"
echo
echo "| round | floor µs a ballot | binary | verify wall s | CPU s | µs a ballot | × floor |"
echo "|---:|---:|---|---:|---:|---:|---:|"
cat "$w/turn"
