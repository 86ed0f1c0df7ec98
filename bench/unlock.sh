#!/usr/bin/env bash
# Unlock throughput and peak memory: simulate a closed box, then time
# `urne unlock` (chain, seal, every proof, the counting rules, the sums,
# both keyholders' partial decryptions with proofs, combination).
#
#   bench/unlock.sh [VOTERS...]          default: 100000
#   OPTIONS=Ja,Nei,Blank bench/unlock.sh 100000
#
# Every voter votes once (turnout 1.0), 5% of them vote again (last_counts), so
# the box holds about 1.05 × VOTERS ballots. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
OPTIONS=${OPTIONS:-Ja,Nei}
SIZES=("${@:-100000}")
cargo build --release --locked --quiet
BIN=$PWD/target/release/urne
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
printf 'bench pass phrase 1\n' >"$WORK/p1"
printf 'bench pass phrase 2\n' >"$WORK/p2"
echo "| voters | ballots in box | options | unlock s | ballots/s | peak RSS MiB |"
echo "|---:|---:|---|---:|---:|---:|"
for n in "${SIZES[@]}"; do
  d="$WORK/ev-$n"
  mkdir -p "$d"
  "$BIN" -d "$d" simulate --voters "$n" --turnout 1.0 --revote 0.05 --bad 2 \
    --options "$OPTIONS" --policy last_counts --insecure-fast-kdf \
    --passphrase-file "$WORK/p1" --passphrase-file "$WORK/p2" >/dev/null 2>&1
  ballots=$(($(wc -l <"$d/box.jsonl") - 2))
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$BIN" -d "$d" unlock \
    --share "$d/shares/keyholder-1.share" --share "$d/shares/keyholder-2.share" \
    --passphrase-file "$WORK/p1" --passphrase-file "$WORK/p2" >/dev/null 2>&1
  read -r secs kib <"$WORK/time"
  awk -v n="$n" -v b="$ballots" -v o="$OPTIONS" -v s="$secs" -v k="$kib" \
    'BEGIN { printf "| %d | %d | %s | %.2f | %.0f | %.0f |\n", n, b, o, s, b / s, k / 1024 }'
done
