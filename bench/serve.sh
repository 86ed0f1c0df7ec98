#!/usr/bin/env bash
# Result-server throughput: `urne serve` (release) on loopback over a
# publication of realistic size (~20 kB JSON, ~40 kB XML, ~10 kB HTML), loaded
# by `oha` from a second process. Requests/s and p99 latency for 304 answers
# (a newsroom polling an unchanged manifest, by If-None-Match and by
# If-Modified-Since) and for full 200 answers, without compression (no
# Accept-Encoding) and with it (Accept-Encoding: gzip, compressed per request
# by tower-http). "body bytes" is what one answer carries on the wire.
#
#   bench/serve.sh                    10 s per case, 50 connections
#   DURATION=30s CONNS=100 bench/serve.sh
#
# The server is pinned to CPU 0 and oha to CPU 1 when `taskset` is there (so
# the two do not steal each other's core), and restarted for each case, with
# the public rate at its maximum: one client (127.0.0.1) gets 1,000,000
# requests at once, more than a case sends, so no request is rate-limited
# (the "other" column counts any answer that is neither 200 nor 304).
# The access log is written, to /dev/null. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-50}

# The load generator: oha if it is installed (`cargo install oha --locked`),
# else wrk (Debian's package, installed if missing: oha takes long to build).
if command -v oha >/dev/null; then
  LOAD=oha
else
  LOAD=wrk
  if ! command -v wrk >/dev/null; then
    echo "installing wrk (apt-get install wrk)" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq wrk >/dev/null
  fi
fi
for tool in jq curl; do
  command -v "$tool" >/dev/null || { echo "bench/serve.sh needs $tool" >&2; exit 1; }
done
cargo build --release --locked --quiet --bin urne --example serve_fixture
BIN=$PWD/target/release/urne
WORK=$(mktemp -d)
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

target/release/examples/serve_fixture "$WORK/pub" >"$WORK/files"
KEY=$(sed -n 's/^publisher_key //p' "$WORK/files")
printf 'publisher_key = "%s"\n[public]\nrequests_per_minute = 1000000\n' "$KEY" >"$WORK/serve.toml"
MANIFEST_ETAG="\"$(tr -d '\n' <"$WORK/pub/HEAD")\""
# The fixture's published_at, as an HTTP date: If-Modified-Since → 304.
LAST_MODIFIED="Mon, 03 Feb 2025 20:15:00 GMT"
GZIP="Accept-Encoding: gzip"

PIN_SERVER=()
PIN_LOAD=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  PIN_SERVER=(taskset -c 0)
  PIN_LOAD=(taskset -c 1)
fi

start_server() {
  "${PIN_SERVER[@]}" "$BIN" serve --config "$WORK/serve.toml" --listen 127.0.0.1:0 "$WORK/pub" \
    >"$WORK/serve.out" 2>/dev/null &
  SERVER=$!
  for _ in $(seq 100); do
    ADDR=$(sed -n 's|.*http://\([^/]*\)/.*|\1|p' "$WORK/serve.out")
    [ -n "$ADDR" ] && return 0
    sleep 0.05
  done
  echo "urne serve did not start" >&2
  exit 1
}

stop_server() {
  kill "$SERVER"
  wait "$SERVER" 2>/dev/null || true
  SERVER=
}

# run LABEL PATH [HEADER...]
run() {
  local label=$1 path=$2
  shift 2
  start_server
  local url="http://$ADDR$path"
  local curl_h=()
  for h in "$@"; do curl_h+=(-H "$h"); done
  local size
  size=$(curl -s -o /dev/null -w '%{size_download}' "${curl_h[@]}" "$url")
  if [ "$LOAD" = wrk ]; then
    "${PIN_LOAD[@]}" wrk -t1 -c "$CONNS" -d "$DURATION" --latency "${curl_h[@]}" "$url" >"$WORK/wrk.txt"
    stop_server
    # Latencies to ms; "Non-2xx or 3xx responses" are the "other" answers.
    awk -v name="$label" -v size="$size" '
      function ms(x) { if (x ~ /us$/) return x / 1000; if (x ~ /ms$/) return x + 0; if (x ~ /s$/) return x * 1000; return x }
      $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
      / requests in / { total = $1 }
      /Non-2xx or 3xx responses:/ { other = $NF }
      /^Requests\/sec:/ { rps = int($2) }
      END { printf "| %s | %s | %d | %.3f | %.3f | %d | %d |\n", name, size, rps, p50, p99, total - other, other }
    ' "$WORK/wrk.txt"
    return
  fi
  local args=(-z "$DURATION" -c "$CONNS" --no-tui --output-format json "${curl_h[@]}")
  "${PIN_LOAD[@]}" oha "${args[@]}" "$url" >"$WORK/oha.json"
  stop_server
  jq -r --arg name "$label" --arg size "$size" '
    (.statusCodeDistribution // {}) as $s
    | ($s["200"] // 0) as $ok | ($s["304"] // 0) as $nm
    | ([$s | to_entries[] | select(.key != "200" and .key != "304") | .value] | add // 0) as $other
    | "| \($name) | \($size) | \(.summary.requestsPerSec | floor) | \((.latencyPercentiles.p50 * 1000000 | floor) / 1000) | \((.latencyPercentiles.p99 * 1000000 | floor) / 1000) | \($ok + $nm) | \($other) |"
  ' "$WORK/oha.json"
}

echo "| request | body bytes | requests/s | p50 ms | p99 ms | 200/304 answers | other |"
echo "|---|---:|---:|---:|---:|---:|---:|"
run "GET /manifest.json, If-None-Match → 304" /manifest.json "If-None-Match: $MANIFEST_ETAG"
run "GET /manifest.json, If-Modified-Since → 304" /manifest.json "If-Modified-Since: $LAST_MODIFIED"
run "GET /results.json, If-None-Match, gzip → 304" /results.json "If-None-Match: W/$(sed -n 's/^results.json [0-9]* \([0-9a-f]*\)$/"\1"/p' "$WORK/files")" "$GZIP"
run "GET /results.json (~20 kB) → 200" /results.json
run "GET /results.json, gzip → 200" /results.json "$GZIP"
run "GET /results.xml (~40 kB) → 200" /results.xml
run "GET /results.xml, gzip → 200" /results.xml "$GZIP"
run "GET / (index.html, ~10 kB) → 200" /
run "GET /manifest.json → 200" /manifest.json
echo
echo "$LOAD, $CONNS connections, $DURATION per case, $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)); server ${PIN_SERVER[*]:-unpinned}, $LOAD ${PIN_LOAD[*]:-unpinned}"
