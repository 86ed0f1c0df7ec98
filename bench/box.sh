#!/usr/bin/env bash
# The ballot box during voting (issue 16), in three cases:
#
#   cast   per-cast time of `box cast`'s work into an open box of BALLOTS
#          ballots (default 1,000,000) against an empty box with the same
#          roll and key: the library path (examples/box_cast: open, check,
#          append + fdatasync, state file updated in place) and the whole
#          `urne box cast` process (which also reads manifest, roll, key).
#   serve  `urne box serve` on 127.0.0.1 loaded by examples/box_load with 50
#          keep-alive clients: accepted three-option ballots/s at full speed
#          (proof checks included), p50/p99 latency; then p99 at 500 ballots/s
#          offered.
#   rss    peak RSS (VmHWM) of the service with a 4,000,000-voter roll after
#          taking 20,000 ballots.
#
#   bench/box.sh                 all three
#   CASE=serve bench/box.sh      one of them
#   BALLOTS=100000 CASE=cast bench/box.sh
#   CASTS=1000 CASE=cast bench/box.sh   casts into each box (default 300)
#   FULL=DIR CASE=cast bench/box.sh   use DIR, made before by
#       urne -d DIR simulate --voters BALLOTS --turnout 0.95 --revote 0.053 --bad 0 …
#   CREDENTIALS="none urne" CASE=serve bench/box.sh
#       serve and rss: the event without voter credentials ("none", the
#       default), with them ("urne": every ballot signed by box_load with the
#       voter's simulated credential and the signature checked by the
#       service), or both in turn
#
# Every run is bounded by `timeout`; the service is stopped on exit. Prints
# the CPU, the command lines and the figures; say beside any figure that the
# machine may be shared.
set -euo pipefail
cd "$(dirname "$0")/.."
CASE=${CASE:-all}
BALLOTS=${BALLOTS:-1000000}
CLIENTS=${CLIENTS:-50}
# NOBUILD=1: use the binaries already in target/release (a machine busy
# compiling other things).
[ -n "${NOBUILD:-}" ] || cargo build --release --locked --quiet --bin urne --example box_load --example box_cast
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
BIN=$TARGET/release/urne
LOAD=$TARGET/release/examples/box_load
CASTB=$TARGET/release/examples/box_cast
WORK=${WORK:-$(mktemp -d)}
SERVICE=
cleanup() {
  if [ -n "$SERVICE" ]; then kill "$SERVICE" 2>/dev/null || true; wait "$SERVICE" 2>/dev/null || true; fi
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores; $(uname -sr)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared with other engineers compiling)"

printf 'keyholder one passphrase\n' >"$WORK/p1"
printf 'keyholder two passphrase\n' >"$WORK/p2"
printf 'box operator passphrase\n' >"$WORK/pb"

# shellcheck source=bench/credentials-manifest.sh
. bench/credentials-manifest.sh

# An event of VOTERS voters (one three-option referendum, last_counts) with
# an open, empty box; MODE "urne" gives it voter credentials.
event() {
  local dir=$1 voters=$2 turnout=${3:-0} revote=${4:-0} mode=${5:-none}
  local m=()
  mkdir -p "$dir"
  if [ "$mode" = urne ]; then
    manifest urne "$voters" >"$dir.manifest.toml"
    m=(--manifest "$dir.manifest.toml")
  fi
  timeout 3000 "$BIN" -d "$dir" simulate "${m[@]}" --voters "$voters" --turnout "$turnout" --revote "$revote" \
    --bad 0 --passphrase-file "$WORK/p1" --passphrase-file "$WORK/p2" --insecure-fast-kdf >/dev/null
}

box_init() {
  "$BIN" -d "$1" box init --force --insecure-fast-kdf --passphrase-file "$WORK/pb" >/dev/null
}

start_service() {
  local dir=$1
  printf 'rehearsal-benchmark-token-0123456789abcdef\n' >"$dir/token.txt"
  printf 'token_file = "token.txt"\nqueue = 4096\nbatch = 512\nrehearsal_clock = "2027-01-25T10:00:00+01:00"\n' >"$dir/serve.toml"
  timeout 1800 "$BIN" -d "$dir" box serve --config "$dir/serve.toml" --listen 127.0.0.1:0 \
    >"$dir/serve.out" 2>"$dir/serve.err" &
  SERVICE=$!
  for _ in $(seq 6000); do
    # (serve.out may not exist yet: the service's shell has not started)
    ADDR=$(sed -n 's|.*http://\([^/]*\)/.*|\1|p' "$dir/serve.out" 2>/dev/null || true)
    [ -n "$ADDR" ] && return 0
    kill -0 "$SERVICE" 2>/dev/null || { cat "$dir/serve.err" >&2; exit 1; }
    sleep 0.1
  done
  echo "urne box serve did not start" >&2
  exit 1
}

stop_service() {
  # $SERVICE is `timeout`; the service is its child.
  local pid
  pid=$(pgrep -P "$SERVICE" | head -1)
  echo "service peak RSS (VmHWM): $(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$pid/status")"
  kill -TERM "$SERVICE"
  wait "$SERVICE" || true
  SERVICE=
}

if [ "$CASE" = all ] || [ "$CASE" = cast ]; then
  echo
  echo "## cast: a full box (BALLOTS=$BALLOTS, or the box in FULL) against an empty one"
  full=${FULL:-$WORK/cast-full}
  empty=$WORK/cast-empty
  if [ -z "${FULL:-}" ]; then
    t0=$(date +%s)
    # turnout 0.95 and 5% re-votes: about BALLOTS ballots from BALLOTS voters.
    event "$full" "$BALLOTS" 0.95 0.053
    echo "simulated in $(( $(date +%s) - t0 )) s"
  fi
  # Reopen it: drop the seal line.
  if tail -n 1 "$full/box.jsonl" | grep -q '"record":"seal"'; then
    head -n -1 "$full/box.jsonl" >"$full/box.open" && mv "$full/box.open" "$full/box.jsonl"
  fi
  echo "open box: $(( $(wc -l <"$full/box.jsonl") - 1 )) ballots, $(du -h "$full/box.jsonl" | cut -f1)"
  mkdir -p "$empty"
  cp "$full/manifest.toml" "$full/roll.csv" "$full/election-key.json" "$empty/"
  box_init "$empty"
  # The library's work, CASTS casts into each box, alternating between them.
  echo "+ box_cast ${CASTS:-300} empty full"
  timeout 3000 "$CASTB" "${CASTS:-300}" "$empty" "$full"
  # The whole command, ten times into each box, alternating (ballots
  # encrypted beforehand).
  declare -A total=([$empty]=0 [$full]=0)
  for i in $(seq 10); do
    v=$(printf 'sim-%06d' $((BALLOTS - 1000 - i)))
    for d in "$empty" "$full"; do
      "$BIN" -d "$d" encrypt --referendum sim --voter "$v" --choice $((i % 3 + 1)) --out "$d/b$i.json" --force
      s=$(date +%s%N)
      "$BIN" -d "$d" box cast --ballot "$d/b$i.json" --voter "$v" --referendum sim --at 2027-01-25T10:00:00+01:00 >/dev/null
      total[$d]=$((total[$d] + $(date +%s%N) - s))
    done
  done
  for d in "$empty" "$full"; do
    echo "urne box cast into $(basename "$d"): mean $((total[$d] / 10 / 1000000)) ms over 10 (the roll of $BALLOTS voters is read each time)"
  done
fi

if [ "$CASE" = all ] || [ "$CASE" = serve ]; then
  for mode in ${CREDENTIALS:-none}; do
    echo
    echo "## serve: $CLIENTS clients on 127.0.0.1, voter credentials: $mode"
    echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
    dir=$WORK/serve-$mode
    event "$dir" 200000 0 0 "$mode"
    box_init "$dir"
    start_service "$dir"
    echo "+ box_load $CLIENTS clients, 60000 ballots, full speed"
    timeout 900 "$LOAD" "$dir" "$ADDR" "$dir/token.txt" "$CLIENTS" 60000 0 0
    echo "+ box_load $CLIENTS clients, 10000 ballots at 500/s offered"
    timeout 900 "$LOAD" "$dir" "$ADDR" "$dir/token.txt" "$CLIENTS" 10000 500 60000
    stop_service
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    rm -rf "$dir"
  done
fi

if [ "$CASE" = all ] || [ "$CASE" = rss ]; then
  for mode in ${CREDENTIALS:-none}; do
    echo
    echo "## rss: a 4,000,000-voter roll, voter credentials: $mode"
    echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
    dir=$WORK/rss-$mode
    event "$dir" 4000000 0 0 "$mode"
    box_init "$dir"
    t0=$(date +%s%N)
    start_service "$dir"
    echo "service started (roll read, state built) in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
    timeout 900 "$LOAD" "$dir" "$ADDR" "$dir/token.txt" "$CLIENTS" 20000 0 0
    stop_service
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    rm -rf "$dir"
  done
fi
