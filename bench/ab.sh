#!/usr/bin/env bash
# Two builds of urne on one box, alternated (BENCHMARKS.md, "Scale"): on this
# virtual machine the same build drifts by up to 15 % within an hour, so a
# before/after figure is only worth something when the two runs interleave.
#
#   bench/ab.sh OLD_REV NEW_REV                 # 1M ballots, 2 rounds
#   N=100000 ROUNDS=3 bench/ab.sh e30a720 HEAD
#   N=100000 AB_TARGET=target bench/ab.sh d65ce60 HEAD
#   OLD_BIN=/path/urne-d65ce60 NEW_BIN=target/release/urne bench/ab.sh d65ce60 HEAD
#
# Each revision is built in its own worktree (release profile, with the
# repository's .cargo/config.toml of that revision). Each build simulates its
# own box with the same command (three options, last_counts, 5 % re-votes, two
# bad ballots of each kind, as bench/scale.sh; the simulator's seed is fixed):
# the same box ballot for ballot when the two revisions share a ballot format,
# the same voters, votes and size when they do not (a format-1 build cannot
# read a format-2 box). Then each round runs unlock and verify of OLD_REV,
# then of NEW_REV, each on a fresh copy of its event directory, under
# /usr/bin/time. Prints a Markdown table: round, build, job, ballots,
# seconds, CPU seconds (user + system, all threads), peak RSS. On a loaded
# machine the wall time grows with the other work and the CPU time much
# less, so the two are printed side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: bench/ab.sh OLD_REV NEW_REV" >&2; exit 2; }
N=${N:-1000000}
ROUNDS=${ROUNDS:-2}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
trap 'git worktree remove --force "$WORK/src-old" 2>/dev/null || true;
      git worktree remove --force "$WORK/src-new" 2>/dev/null || true; rm -rf "$WORK"' EXIT
# AB_TARGET=target shares the repository's own target directory, whose
# release dependencies are then already built.
target=${AB_TARGET:-$PWD/target/ab}
case $target in /*) ;; *) target="$PWD/$target" ;; esac
build() { # build REV NAME → $WORK/NAME (the binary)
  git worktree add --detach --quiet "$WORK/src-$2" "$1"
  # One target directory for both (and for later runs): what the two share
  # is built once.
  (cd "$WORK/src-$2" && CARGO_TARGET_DIR="$target" cargo build --release --locked --quiet)
  cp "$target/release/urne" "$WORK/$2"
}
# OLD_BIN / NEW_BIN: use a binary already built from that revision instead.
if [ -n "${OLD_BIN:-}" ]; then cp "$OLD_BIN" "$WORK/old"; else build "$1" old; fi
if [ -n "${NEW_BIN:-}" ]; then cp "$NEW_BIN" "$WORK/new"; else build "$2" new; fi
printf 'bench pass phrase 1\n' >"$WORK/p1"
printf 'bench pass phrase 2\n' >"$WORK/p2"
voters=$(awk -v n="$N" 'BEGIN { printf "%d", n / 1.05 + 0.5 }')
for b in old new; do
  "$WORK/$b" -d "$WORK/box-$b" simulate --voters "$voters" --turnout 1.0 --revote 0.05 \
    --bad 2 --policy last_counts --insecure-fast-kdf \
    --passphrase-file "$WORK/p1" --passphrase-file "$WORK/p2" >/dev/null 2>&1
done
cpu() { awk -v u="$1" -v s="$2" 'BEGIN { printf "%.2f", u + s }'; }
echo "| round | build | job | ballots | seconds | CPU s | peak RSS MiB |"
echo "|---:|---|---|---:|---:|---:|---:|"
for round in $(seq 1 "$ROUNDS"); do
  for b in old new; do
    box="$WORK/box-$b"
    ballots=$(($(wc -l <"$box/box.jsonl") - 2))
    d="$WORK/run"; rm -rf "$d"; mkdir "$d"
    # The box is linked, not copied: it is only read.
    for f in "$box"/*; do
      if [ "$(basename "$f")" = box.jsonl ]; then ln "$f" "$d/"; else cp -r "$f" "$d/"; fi
    done
    /usr/bin/time -f '%e %M %U %S' -o "$WORK/t" "$WORK/$b" -d "$d" unlock \
      --share "$d/shares/keyholder-1.share" --share "$d/shares/keyholder-2.share" \
      --passphrase-file "$WORK/p1" --passphrase-file "$WORK/p2" >/dev/null 2>&1
    read -r s k u y < <(tail -1 "$WORK/t")
    echo "| $round | $b | unlock | $ballots | $s | $(cpu "$u" "$y") | $((k / 1024)) |"
    test -s "$d/tally.json" || { echo "unlock failed ($b)" >&2; exit 1; }
    # No postal files: verify ends "incomplete" after every e-vote check.
    /usr/bin/time -f '%e %M %U %S' -o "$WORK/t" "$WORK/$b" verify "$d" >/dev/null 2>&1 || true
    read -r s k u y < <(tail -1 "$WORK/t")
    echo "| $round | $b | verify | $ballots | $s | $(cpu "$u" "$y") | $((k / 1024)) |"
  done
done
