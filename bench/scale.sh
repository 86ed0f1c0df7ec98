#!/usr/bin/env bash
# Scale benchmark (issue 6): unlock and verify of large three-option boxes
# under last_counts with 5% re-votes, ballot encryption, and the Belenios peer
# on the same machine in the same run. Prints a Markdown table.
#
#   bench/scale.sh                    # 100k and 1M ballots, Belenios with 200
#   SIZES="100000 1000000 4000000" BELENIOS=300 bench/scale.sh
#   SIZES=1500000 REVOTE=0.5 BELENIOS=0 bench/scale.sh   # 1M voters, half vote again
#
# Each size N is simulated as round(N / (1 + REVOTE)) voters who all vote once,
# a share REVOTE (default 0.05) of whom vote again, so the box holds about N
# ballots.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"100000 1000000"}
BELENIOS=${BELENIOS:-200}
REVOTE=${REVOTE:-0.05}
cargo build --release --locked --quiet
BIN=$PWD/target/release/urne
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
printf 'bench pass phrase 1\n' >"$WORK/p1"
printf 'bench pass phrase 2\n' >"$WORK/p2"
timed() { # timed OUT cmd... → "seconds peakKiB" in OUT; the command's exit code is ignored
  /usr/bin/time -f '%e %M' -o "$1" "${@:2}" >/dev/null 2>&1 || true
}
row() { # job ballots seconds peakKiB ("-" when not measured)
  awk -v job="$1" -v n="$2" -v s="$3" -v k="$4" \
  'BEGIN { m = (k == "-") ? "–" : sprintf("%.0f", k / 1024);
           printf "| %s | %d | %.1f | %.0f | %s |\n", job, n, s, n / s, m }'; }
# The proof checks run on curve25519-dalek's AVX-512 IFMA backend when the CPU
# has it (.cargo/config.toml), on AVX2 otherwise: about 20 % apart, so say which.
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
if grep -qw avx512ifma /proc/cpuinfo 2>/dev/null; then simd="AVX-512 IFMA"; else simd="AVX2 or serial (no IFMA)"; fi
echo "CPU: ${cpu:-unknown}, $(nproc) cores; multiscalar multiplication on $simd"
echo
echo "| job | ballots | seconds | ballots/s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|"
for n in $SIZES; do
  d="$WORK/ev-$n"; rm -rf "$d"; mkdir -p "$d"
  voters=$(awk -v n="$n" -v r="$REVOTE" 'BEGIN { printf "%d", n / (1 + r) + 0.5 }')
  timed "$WORK/t-sim" "$BIN" -d "$d" simulate --voters "$voters" --turnout 1.0 --revote "$REVOTE" \
    --bad 2 --policy last_counts --insecure-fast-kdf \
    --passphrase-file "$WORK/p1" --passphrase-file "$WORK/p2"
  ballots=$(($(wc -l <"$d/box.jsonl") - 2))
  read -r s k < <(tail -1 "$WORK/t-sim"); row "simulate (encrypt + prove + write), 2 cores" "$ballots" "$s" "$k"
  timed "$WORK/t-unlock" "$BIN" -d "$d" unlock \
    --share "$d/shares/keyholder-1.share" --share "$d/shares/keyholder-2.share" \
    --passphrase-file "$WORK/p1" --passphrase-file "$WORK/p2"
  read -r s k < <(tail -1 "$WORK/t-unlock"); row "urne unlock" "$ballots" "$s" "$k"
  test -s "$d/tally.json" || { echo "unlock failed for $n" >&2; exit 1; }
  # The simulated event has no postal votes, so verify ends "incomplete"
  # after every e-vote check; the time is the whole e-vote verification.
  timed "$WORK/t-verify" "$BIN" verify "$d"
  read -r s k < <(tail -1 "$WORK/t-verify"); row "urne verify" "$ballots" "$s" "$k"
  rm -rf "$d"
done
if [ "$BELENIOS" -gt 0 ]; then
  out=$(bash ../shared/bench/peer-belenios.sh "$BELENIOS" "$WORK/belenios" 2>/dev/null || true)
  v=$(echo "$out" | awk '$1 == "verify_s" { print $2 }')
  c=$(echo "$out" | awk '$1 == "cast_s" { print $2 }')
  if [ -n "$v" ]; then
    row "Belenios 2.0 election verify (peer)" "$BELENIOS" "$v" -
    row "Belenios 2.0 ballot generation (peer)" "$BELENIOS" "$c" -
  else
    echo "| Belenios peer | $BELENIOS | could not run | | |"
  fi
fi
