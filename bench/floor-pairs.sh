#!/usr/bin/env bash
# Verify beside its floor in CPU time, and builds alternated (BENCHMARKS.md,
# "Format 2, fourth session"): each round runs examples/curve_ops (the floor:
# 8 decodes and 8 batch terms a ballot, one core), then `urne verify DIR` by
# each binary given, under /usr/bin/time. Prints a Markdown table: round,
# floor µs a ballot, binary, verify wall and CPU seconds (user + system), µs
# of CPU a ballot over the box's ballots, and that over the round's floor.
#
#   bench/floor-pairs.sh DIR                       # 6 rounds, target/release/urne
#   ROUNDS=3 bench/floor-pairs.sh DIR /path/urne-old target/release/urne
#
# DIR is an unlocked event directory (bench/scale.sh's, or `urne simulate`
# then `urne unlock`); the same box for every binary.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bench/floor-pairs.sh DIR [BIN...]" >&2; exit 2; }
dir=$1; shift
bins=("$@"); [ ${#bins[@]} -gt 0 ] || bins=("$PWD/target/release/urne")
ROUNDS=${ROUNDS:-6}
cargo build --release --locked --quiet --example curve_ops
ballots=$(($(wc -l <"$dir/box.jsonl") - 2))
t=$(mktemp); trap 'rm -f "$t"' EXIT
echo "CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown), $(nproc) cores; $ballots ballots"
echo
echo "| round | floor µs a ballot | binary | verify wall s | CPU s | µs a ballot | × floor |"
echo "|---:|---:|---|---:|---:|---:|---:|"
for round in $(seq 1 "$ROUNDS"); do
  floor=$(target/release/examples/curve_ops 20000 | sed -n 's/^floor, format 2 [^:]*: \([0-9.]*\) µs.*/\1/p')
  for b in "${bins[@]}"; do
    /usr/bin/time -f '%e %U %S' -o "$t" "$b" verify "$dir" >/dev/null 2>&1 || true
    read -r wall user sys < <(tail -1 "$t")
    awk -v r="$round" -v f="$floor" -v b="$(basename "$b")" -v w="$wall" -v u="$user" -v s="$sys" -v n="$ballots" \
      'BEGIN { c = u + s; us = 1e6 * c / n; printf "| %d | %.1f | %s | %.2f | %.2f | %.1f | %.2f |\n", r, f, b, w, c, us, us / f }'
  done
done
