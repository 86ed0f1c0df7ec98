#!/usr/bin/env bash
# Instruction counts (callgrind) of unlock and verify for two builds of urne,
# at two box sizes: the difference between the sizes is the per-ballot cost,
# which the machine's load does not change (BENCHMARKS.md, "Ballot format 2").
# The counterpart of bench/ab.sh when the machine is too busy for wall times.
#
#   OLD_BIN=/path/urne-d65ce60 NEW_BIN=target/release/urne bench/ab-callgrind.sh
#   SIZES="1000 3000" OLD_BIN=... NEW_BIN=... bench/ab-callgrind.sh
#
# Each build simulates its own box of each size with the same command as
# bench/ab.sh (three options, last_counts, 5 % re-votes, two bad ballots of
# each kind, fixed seed), then unlock and verify run under callgrind. Under
# valgrind curve25519-dalek takes its AVX2 backend, not AVX-512 IFMA, so the
# curve work weighs a little more than in a native run. Prints a Markdown
# table, then the per-ballot instructions and the old/new ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${OLD_BIN:?OLD_BIN=path of the old build}" "${NEW_BIN:?NEW_BIN=path of the new build}"
read -r S1 S2 <<<"${SIZES:-1000 3000}"
W=${WORK:-$(mktemp -d)}
mkdir -p "$W"
trap 'rm -rf "$W"' EXIT
printf 'bench pass phrase 1\n' >"$W/p1"
printf 'bench pass phrase 2\n' >"$W/p2"
instr() { # instr OUT cmd... → the instruction count of the command
  valgrind --tool=callgrind --callgrind-out-file="$1" "${@:2}" >/dev/null 2>"$1.err" || true
  awk '/Collected :/ { print $NF }' "$1.err"
}
declare -A ballots unlock verify
echo "| build | voters | ballots | unlock instructions | verify instructions |"
echo "|---|---:|---:|---:|---:|"
for b in old new; do
  bin=$OLD_BIN; [ "$b" = new ] && bin=$NEW_BIN
  for v in "$S1" "$S2"; do
    d="$W/$b-$v"
    "$bin" -d "$d" simulate --voters "$v" --turnout 1.0 --revote 0.05 --bad 2 \
      --policy last_counts --insecure-fast-kdf \
      --passphrase-file "$W/p1" --passphrase-file "$W/p2" >/dev/null 2>&1
    ballots[$b-$v]=$(($(wc -l <"$d/box.jsonl") - 2))
    unlock[$b-$v]=$(instr "$W/cg" "$bin" -d "$d" unlock \
      --share "$d/shares/keyholder-1.share" --share "$d/shares/keyholder-2.share" \
      --passphrase-file "$W/p1" --passphrase-file "$W/p2")
    test -s "$d/tally.json" || { echo "unlock failed ($b, $v voters)" >&2; exit 1; }
    verify[$b-$v]=$(instr "$W/cg" "$bin" verify "$d")
    echo "| $b | $v | ${ballots[$b-$v]} | ${unlock[$b-$v]} | ${verify[$b-$v]} |"
  done
done
echo
for job in unlock verify; do
  declare -n t=$job
  per() { echo $(((t[$1-$S2] - t[$1-$S1]) / (ballots[$1-$S2] - ballots[$1-$S1]))); }
  o=$(per old); n=$(per new)
  awk -v j="$job" -v o="$o" -v n="$n" \
    'BEGIN { printf "%s: %d instructions a ballot old, %d new, %.2fx\n", j, o, n, o / n }'
  unset -n t
done
