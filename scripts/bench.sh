#!/usr/bin/env bash
# Speed measurements: the criterion benches, then HTTP load on /api/nearest with wrk against a
# release server on the real data. See --help.
set -euo pipefail
SCRIPT_NAME="bench"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	cat <<EOF
Usage: scripts/bench.sh [--no-criterion] [--no-wrk] [--duration 15s] [--connections 64]
                        [--threads 2] [CARGO BENCH ARGUMENTS...]

1. cargo bench (criterion). Arguments after this script's own options go to cargo bench as they
   are, e.g. \`scripts/bench.sh --bench nearest -- knn\`; without a target option, all bench
   targets (--benches) run.
2. cargo build --release, import the real data into a temporary database, start
   \`kanwamap serve\` on a free port, wait for /healthz, and run
   wrk -t2 -c64 -d15s --latency with scripts/wrk/nearest.lua (random points in Kumamoto),
   coverage.lua (coverage tables) and tiles.lua once per tile layer (random z8–z14 tiles over
   Kumamoto); then stock writes (stock.lua: PUT /api/pharmacies/{id}/stock, 8 connections, tokens
   of 16 pharmacies), then nearest.lua again while the same stock writes run. Prints requests/s
   and latency percentiles (and the mean tile size for tiles); fails on any non-2xx response.

Options:
  --no-criterion     skip step 1
  --no-wrk           skip step 2
  --duration D       wrk duration (default 15s)
  --connections N    wrk connections (default 64)
  --threads N        wrk threads (default 2)
EOF
}

criterion=1 load=1 duration=15s connections=64 threads=2
cargo_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--no-criterion) criterion=0 && shift ;;
	--no-wrk) load=0 && shift ;;
	--duration | --connections | --threads)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--duration) duration=$2 ;;
		--connections) connections=$2 ;;
		--threads) threads=$2 ;;
		esac
		shift 2
		;;
	-h | --help) usage && exit 0 ;;
	*)
		# The first argument that is not ours starts the cargo bench arguments.
		cargo_args=("$@")
		break
		;;
	esac
done

cd "$KANWAMAP_REPO"
pref=$(normalize_prefectures "${KANWAMAP_PREFECTURE:-43}" KANWAMAP_PREFECTURE)
require_cargo
require_commands python3:python3 curl:curl
[ "$load" -eq 0 ] || require_commands wrk:wrk
"$KANWAMAP_REPO/scripts/fetch-data.sh" --prefecture "$pref"
data_dir=$(kanwamap_data_dir)

# --- criterion -------------------------------------------------------------------------------

bench_target_count() {
	cargo metadata --no-deps --format-version 1 | python3 -c '
import json, sys
meta = json.load(sys.stdin)
print(sum("bench" in t["kind"] for p in meta["packages"] for t in p["targets"]))'
}

if [ "$criterion" -eq 1 ]; then
	if [ "$(bench_target_count)" -eq 0 ]; then
		log "no bench targets (benches/) yet: criterion skipped"
	else
		selects_target=0
		for arg in "${cargo_args[@]}"; do
			case $arg in
			--) break ;;
			--bench | --bench=* | --benches | --lib | --bin | --bin=* | --bins | --test | --test=* | --tests | --all-targets)
				selects_target=1
				;;
			esac
		done
		[ "$selects_target" -eq 1 ] || cargo_args=(--benches "${cargo_args[@]}")
		log "cargo bench ${cargo_args[*]}"
		cargo bench --locked "${cargo_args[@]}"
	fi
fi

# --- HTTP load with wrk ----------------------------------------------------------------------

[ "$load" -eq 1 ] || exit 0

log "building the release binary"
cargo build --release --locked --bin kanwamap
bin=$(cargo_target_dir)/release/kanwamap

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kanwamap-bench.XXXXXX")
server_pid=
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "importing $data_dir (prefecture $pref) into a temporary database"
import_start=$(date +%s.%N)
"$bin" import --data-dir "$data_dir" --prefecture "$pref" --db "$tmp/kanwamap.sqlite" \
	--manifest "$KANWAMAP_REPO/data/sources.toml" --report "$tmp/import-report.txt" ||
	die "import failed"
import_seconds=$(awk -v a="$import_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
# Quiet logs: per-request log lines would be part of what wrk measures.
RUST_LOG=${RUST_LOG:-warn} "$bin" serve --db "$tmp/kanwamap.sqlite" --addr "127.0.0.1:$port" --stock-writes-per-minute 0 \
	>"$tmp/serve.log" 2>&1 &
server_pid=$!

server_failed() {
	warn "server log ($tmp/serve.log):"
	tail -n 40 "$tmp/serve.log" >&2 || true
	die "$1"
}
log "waiting for $base/healthz"
ready=0
for _ in $(seq 1 300); do
	kill -0 "$server_pid" 2>/dev/null || server_failed "kanwamap serve exited before it became ready"
	if curl -fsS -o /dev/null --max-time 2 "$base/healthz" 2>/dev/null; then
		ready=1
		break
	fi
	sleep 0.2
done
[ "$ready" -eq 1 ] || server_failed "no answer from $base/healthz after 60 s"

# One known-good query first: a load test against an error page would measure nothing.
probe="$base/api/nearest?lat=32.80321&lon=130.70788&kind=hospital&k=5"
curl -fsS -o /dev/null "$probe" || server_failed "the probe request failed: $probe"

# One wrk run per endpoint: script name, the endpoint it loads, and arguments for the script.
run_wrk() {
	local script=$1 endpoint=$2
	shift 2
	local name=$script${1:+-$1}
	log "wrk -t$threads -c$connections -d$duration --latency -s scripts/wrk/$script.lua $base${1:+ -- $*}"
	wrk "-t$threads" "-c$connections" "-d$duration" --latency -s "$KANWAMAP_REPO/scripts/wrk/$script.lua" "$base" \
		${1:+--} "$@" | tee "$tmp/wrk-$name.txt"
	local rss_kib
	rss_kib=$(ps -o rss= -p "$server_pid" | tr -d " " || true)
	summary_value() { sed -n "s|^$1: ||p" "$tmp/wrk-$name.txt"; }
	printf '\n[%s] %s, %s, %s connections, %s threads (import took %s s; server RSS %s MiB):\n' \
		"$SCRIPT_NAME" "$endpoint" "$duration" "$connections" "$threads" "$import_seconds" "$((${rss_kib:-0} / 1024))"
	for key in requests/s "latency p50" "latency p90" "latency p99" "latency p99.9" "latency max" non-2xx "socket errors" \
		"mean tile bytes" "mean non-empty tile bytes" "empty tiles"; do
		[ -z "$(summary_value "$key")" ] || printf '  %-26s %s\n' "$key" "$(summary_value "$key")"
	done
	local non2xx
	non2xx=$(summary_value non-2xx)
	[ "${non2xx:-0}" -eq 0 ] || server_failed "$non2xx responses of $endpoint were not 2xx: the numbers above measure nothing"
}

run_wrk nearest /api/nearest
run_wrk coverage /api/coverage
for layer in facilities areas municipalities coverage; do
	run_wrk tiles "/tiles/$layer/{z}/{x}/{y}.mvt" "$layer"
done

# Stock writes: every request is one fsync'ed transaction plus a new snapshot.
tokens=()
while IFS= read -r id; do
	tokens+=("$id=$("$bin" token issue --facility "$id" --db "$tmp/kanwamap.sqlite" 2>/dev/null)")
done < <(curl -fsS "$base/api/facilities?kind=pharmacy" |
	python3 -c 'import json, sys; [print(f["id"]) for f in json.load(sys.stdin)["features"][:16]]')
[ "${#tokens[@]}" -gt 0 ] || server_failed "no pharmacy to write stock for"
KANWAMAP_BENCH_TOKENS=$(IFS=,; echo "${tokens[*]}")
export KANWAMAP_BENCH_TOKENS
saved_connections=$connections
connections=8
run_wrk stock "PUT /api/pharmacies/{id}/stock"

# Readers while writers run: nearest latency with the stock stream going on in the background.
log "wrk stock writes in the background while /api/nearest is loaded"
wrk -t1 -c8 "-d$duration" --latency -s "$KANWAMAP_REPO/scripts/wrk/stock.lua" "$base" >"$tmp/wrk-stock-bg.txt" &
writes_pid=$!
connections=$saved_connections
run_wrk nearest "/api/nearest during stock writes"
wait "$writes_pid" || die "the background stock writes failed"
printf '\n[%s] stock writes during that run:\n' "$SCRIPT_NAME"
for key in requests/s "latency p50" "latency p99" non-2xx; do
	printf '  %-14s %s\n' "$key" "$(sed -n "s|^$key: ||p" "$tmp/wrk-stock-bg.txt")"
done
