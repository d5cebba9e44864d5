#!/usr/bin/env bash
# The national registry against the Kumamoto one: the same wrk loads on release servers over each,
# one after the other on the same machine, and the resident memory of each. See --help.
set -euo pipefail
SCRIPT_NAME="bench-registries"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	cat <<EOF
Usage: scripts/bench-registries.sh [--duration 15s] [--connections 64] [--threads 2] [--rounds 2]

Builds the release binary, imports the data directory twice into temporary databases (prefecture
43, and all), then, for each round and each registry in turn, starts \`kanwamap serve\` on a free
port and runs wrk with:
  nearest.lua home_care     /api/nearest?...&needs=home_care_support&k=5 from random Kumamoto points
  tiles.lua facilities      random z8–z14 facilities tiles over Kumamoto
  tiles.lua areas           random z8–z14 areas tiles over Kumamoto
Each server starts cold (empty caches). Prints requests/s and p50/p99 latency per registry (the
mean over rounds), the national/Kumamoto ratio, and each server's peak resident memory (VmHWM).
Fails on any non-2xx response.

Options:
  --duration D       wrk duration per run (default 15s)
  --connections N    wrk connections (default 64)
  --threads N        wrk threads (default 2)
  --rounds N         rounds of both registries (default 2), alternating Kumamoto and national
EOF
}

duration=15s connections=64 threads=2 rounds=2
while [ $# -gt 0 ]; do
	case $1 in
	--duration | --connections | --threads | --rounds)
		[ $# -ge 2 ] || die "$1 needs a value"
		case $1 in
		--duration) duration=$2 ;;
		--connections) connections=$2 ;;
		--threads) threads=$2 ;;
		--rounds) rounds=$2 ;;
		esac
		shift 2
		;;
	-h | --help) usage && exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

cd "$KANWAMAP_REPO"
require_cargo
require_commands python3:python3 curl:curl wrk:wrk
data_dir=$(kanwamap_data_dir)
[ -d "$data_dir" ] || die "no data directory $data_dir: run scripts/fetch-data.sh --prefecture all"

log "building the release binary"
cargo build --release --locked --bin kanwamap
bin=$(cargo_target_dir)/release/kanwamap

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kanwamap-bench-registries.XXXXXX")
server_pid=
stop_server() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	server_pid=
}
cleanup() {
	stop_server
	rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for registry in kumamoto:43 national:all; do
	name=${registry%%:*}
	log "importing prefecture ${registry#*:} into $name.sqlite"
	"$bin" import --data-dir "$data_dir" --prefecture "${registry#*:}" --db "$tmp/$name.sqlite" \
		--report "$tmp/$name-report.csv" >"$tmp/$name-import.txt" 2>&1 || {
		tail -n 20 "$tmp/$name-import.txt" >&2
		die "import of $name failed"
	}
done

# One run: registry, label, wrk script, script argument. Appends "registry label requests/s p50 p99".
run_one() {
	local name=$1 label=$2 script=$3 arg=$4 out=$tmp/wrk-$1-$2.txt
	wrk "-t$threads" "-c$connections" "-d$duration" --latency -s "$KANWAMAP_REPO/scripts/wrk/$script.lua" "$base" \
		-- "$arg" >"$out"
	value() { sed -n "s|^$1: ||p" "$out"; }
	[ "$(value non-2xx)" = 0 ] || die "$name $label: $(value non-2xx) responses were not 2xx"
	printf '%s %s %s %s %s\n' "$name" "$label" "$(value requests/s)" "$(value 'latency p50' | cut -d' ' -f1)" \
		"$(value 'latency p99' | cut -d' ' -f1)" >>"$tmp/results.txt"
	log "$name $label: $(value requests/s) requests/s, p50 $(value 'latency p50'), p99 $(value 'latency p99')"
}

for round in $(seq 1 "$rounds"); do
	for name in kumamoto national; do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		base=http://127.0.0.1:$port
		RUST_LOG=${RUST_LOG:-warn} "$bin" serve --db "$tmp/$name.sqlite" --addr "127.0.0.1:$port" >"$tmp/serve-$name.log" 2>&1 &
		server_pid=$!
		for _ in $(seq 1 300); do
			curl -fsS -o /dev/null --max-time 2 "$base/healthz" 2>/dev/null && break
			kill -0 "$server_pid" 2>/dev/null || die "kanwamap serve ($name) exited: $(tail -n 5 "$tmp/serve-$name.log")"
			sleep 0.2
		done
		log "round $round, $name registry"
		run_one "$name" nearest nearest home_care
		run_one "$name" tiles-facilities tiles facilities
		run_one "$name" tiles-areas tiles areas
		hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$server_pid/status")
		echo "$name $((hwm / 1024))" >>"$tmp/memory.txt"
		stop_server
	done
done

python3 - "$tmp/results.txt" "$tmp/memory.txt" <<'EOF'
import collections, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, label, rps, p50, p99 = line.split()
    runs[(label, name)].append((float(rps), float(p50), float(p99)))
mean = lambda rows, i: sum(r[i] for r in rows) / len(rows)
print(f"\n{'load':<18}{'Kumamoto req/s':>16}{'national req/s':>16}{'ratio':>8}{'p50 ms K / N':>18}{'p99 ms K / N':>18}")
for label in ["nearest", "tiles-facilities", "tiles-areas"]:
    k, n = runs[(label, "kumamoto")], runs[(label, "national")]
    print(f"{label:<18}{mean(k, 0):>16.0f}{mean(n, 0):>16.0f}{mean(n, 0) / mean(k, 0):>8.2f}"
          f"{mean(k, 1):>9.2f} / {mean(n, 1):<6.2f}{mean(k, 2):>9.2f} / {mean(n, 2):<6.2f}")
peak = collections.defaultdict(int)
for line in open(sys.argv[2]):
    name, mib = line.split()
    peak[name] = max(peak[name], int(mib))
print(f"\npeak resident memory (VmHWM): Kumamoto {peak['kumamoto']} MiB, national {peak['national']} MiB")
EOF
