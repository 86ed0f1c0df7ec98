#!/usr/bin/env bash
# Voter credentials (issue 21, BENCHMARKS.md "Voter credentials"): unlock and
# verify of the same box with and without credentials, alternated in one run,
# and the cost of issuing credentials for a large roll.
#
#   bench/credentials.sh                 # 100,000 voters, 2 rounds, issue 1,000,000
#   N=20000 ROUNDS=3 ISSUE=4000000 bench/credentials.sh
#
# One release build. Two events are simulated with the same command and seed
# (three options, last_counts, 5 % re-votes, two bad ballots of each kind):
# "none" from a manifest without voter credentials, "urne" from the same
# manifest with `voter_credentials = "urne"` (every ballot signed, two stuffed
# ballots a referendum among the bad ones). Each round runs unlock and verify
# of "none", then of "urne", each on a fresh copy of its event directory,
# under /usr/bin/time. Then `urne credentials issue` is timed for a roll of
# ISSUE voters. Prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
ROUNDS=${ROUNDS:-2}
ISSUE=${ISSUE:-1000000}
cargo build --release --locked --quiet
BIN=$PWD/target/release/urne
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
printf 'bench pass phrase 1\n' >"$WORK/p1"
printf 'bench pass phrase 2\n' >"$WORK/p2"
# shellcheck source=bench/credentials-manifest.sh
. bench/credentials-manifest.sh # (the script has cd to the repository)
voters=$(awk -v n="$N" 'BEGIN { printf "%d", n / 1.05 + 0.5 }')
for mode in none urne; do
  manifest "$mode" "$voters" >"$WORK/manifest-$mode.toml"
  "$BIN" -d "$WORK/box-$mode" simulate --manifest "$WORK/manifest-$mode.toml" \
    --voters "$voters" --turnout 1.0 --revote 0.05 --bad 2 --insecure-fast-kdf \
    --passphrase-file "$WORK/p1" --passphrase-file "$WORK/p2" >/dev/null 2>&1
done
echo "| round | credentials | job | ballots | seconds | peak RSS MiB |"
echo "|---:|---|---|---:|---:|---:|"
for round in $(seq 1 "$ROUNDS"); do
  for mode in none urne; do
    box="$WORK/box-$mode"
    ballots=$(($(wc -l <"$box/box.jsonl") - 2))
    d="$WORK/run"; rm -rf "$d"; mkdir "$d"
    for f in "$box"/*; do
      if [ "$(basename "$f")" = box.jsonl ]; then ln "$f" "$d/"; else cp -r "$f" "$d/"; fi
    done
    /usr/bin/time -f '%e %M' -o "$WORK/t" "$BIN" -d "$d" unlock \
      --share "$d/shares/keyholder-1.share" --share "$d/shares/keyholder-2.share" \
      --passphrase-file "$WORK/p1" --passphrase-file "$WORK/p2" >/dev/null 2>&1
    read -r s k < <(tail -1 "$WORK/t")
    echo "| $round | $mode | unlock | $ballots | $s | $((k / 1024)) |"
    test -s "$d/tally.json" || { echo "unlock failed ($mode)" >&2; exit 1; }
    # No postal files: verify ends "incomplete" after every e-vote check.
    /usr/bin/time -f '%e %M' -o "$WORK/t" "$BIN" verify "$d" >/dev/null 2>&1 || true
    read -r s k < <(tail -1 "$WORK/t")
    echo "| $round | $mode | verify | $ballots | $s | $((k / 1024)) |"
  done
done
# Issuing: a roll of ISSUE voters (no box yet), the codes to a file outside.
d="$WORK/issue"; mkdir -p "$d"
manifest urne "$ISSUE" >"$d/manifest.toml"
"$BIN" -d "$d" keygen --insecure-fast-kdf --shares-dir "$WORK/issue-shares" \
  --passphrase-file "$WORK/p1" --passphrase-file "$WORK/p2" >/dev/null 2>&1
awk -v n="$ISSUE" 'BEGIN { print "voter_id,referendum"; for (i = 1; i <= n; i++) printf "v%08d,sim\n", i }' >"$d/roll.csv"
/usr/bin/time -f '%e %M' -o "$WORK/t" "$BIN" -d "$d" credentials issue \
  --codes "$WORK/codes.csv" >/dev/null 2>&1
read -r s k < <(tail -1 "$WORK/t")
echo
echo "| voters | issue seconds | voters/s | peak RSS MiB | list MiB |"
echo "|---:|---:|---:|---:|---:|"
awk -v n="$ISSUE" -v s="$s" -v k="$k" -v b="$(wc -c <"$d/credentials.jsonl")" \
  'BEGIN { printf "| %d | %.1f | %.0f | %.0f | %.0f |\n", n, s, n / s, k / 1024, b / 1048576 }'
