#!/usr/bin/env bash
# Instruction counts (callgrind) of unlock and verify, with and without voter
# credentials, at two box sizes: the difference is the per-ballot cost, which
# does not vary with the machine's load (BENCHMARKS.md, "Voter credentials").
# Usage: bench/credentials-callgrind.sh (needs valgrind; a release build first).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-$PWD/target/release/urne}
W=${WORK:-$(mktemp -d)}
printf 'bench pass phrase 1\n' >"$W/p1"
printf 'bench pass phrase 2\n' >"$W/p2"
# shellcheck source=bench/credentials-manifest.sh
. bench/credentials-manifest.sh # (the script has cd to the repository)
echo "| credentials | voters | ballots | unlock instructions | verify instructions |"
echo "|---|---:|---:|---:|---:|"
for voters in 1000 3000; do
  for mode in none urne; do
    d=$W/box-$mode-$voters
    manifest "$mode" "$voters" >"$W/manifest-$mode-$voters.toml"
    "$BIN" -d "$d" simulate --manifest "$W/manifest-$mode-$voters.toml" --voters "$voters" \
      --turnout 1.0 --revote 0.05 --bad 2 --insecure-fast-kdf \
      --passphrase-file "$W/p1" --passphrase-file "$W/p2" >/dev/null 2>&1
    ballots=$(($(wc -l <"$d/box.jsonl") - 2))
    valgrind --tool=callgrind --callgrind-out-file=$W/cg-unlock-$mode-$voters.out "$BIN" -d "$d" unlock \
      --share "$d/shares/keyholder-1.share" --share "$d/shares/keyholder-2.share" \
      --passphrase-file "$W/p1" --passphrase-file "$W/p2" >/dev/null 2>"$W/u-$mode-$voters.err"
    u=$(sed -n 's/.*Collected : //p' "$W/u-$mode-$voters.err")
    valgrind --tool=callgrind --callgrind-out-file=$W/cg-verify-$mode-$voters.out "$BIN" verify "$d" >/dev/null 2>"$W/v-$mode-$voters.err" || true
    v=$(sed -n 's/.*Collected : //p' "$W/v-$mode-$voters.err")
    echo "| $mode | $voters | $ballots | $u | $v |"
  done
done
