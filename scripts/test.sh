#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run): installs what it needs, fails fast naming the step,
# prints the time of every step at the end. See --help.
set -euo pipefail
SCRIPT_NAME="test"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL_STEPS=(tools fetch-data fmt clippy test doctest browser)

usage() {
	cat <<EOF
Usage: scripts/test.sh [STEP...]

Runs every step in order, or only the STEPs named:
  tools       checks cargo, rustfmt, clippy (and notes whether cargo-nextest is there)
  fetch-data  fills the data dir the real-data tests read (scripts/fetch-data.sh)
  fmt         cargo fmt --check
  clippy      cargo clippy --all-targets -- -D warnings (compiles the benches too)
  test        cargo nextest run --all-targets, or cargo test --all-targets without nextest
              (benches run once, in test mode)
  doctest     cargo test --doc
  browser     browser tests in tests/web (chromium + playwright-core), once tests/web/package.json
              exists; skipped until then

Environment: KANWAMAP_DATA_DIR, KANWAMAP_MIRROR, KANWAMAP_PREFECTURE (see README "Configuration").
EOF
}

steps=()
for arg in "$@"; do
	case $arg in
	-h | --help) usage && exit 0 ;;
	*)
		[[ " ${ALL_STEPS[*]} " == *" $arg "* ]] || die "unknown step '$arg' (steps: ${ALL_STEPS[*]})"
		steps+=("$arg")
		;;
	esac
done
[ "${#steps[@]}" -gt 0 ] || steps=("${ALL_STEPS[@]}")

cd "$KANWAMAP_REPO"
export RUST_BACKTRACE=${RUST_BACKTRACE:-1}

# --- steps -----------------------------------------------------------------------------------

step_tools() {
	require_cargo
	require_commands python3:python3 curl:curl
	cargo --version
	cargo fmt --version >/dev/null 2>&1 ||
		die "rustfmt is missing: rustup component add rustfmt"
	cargo clippy --version >/dev/null 2>&1 ||
		die "clippy is missing: rustup component add clippy"
	if cargo nextest --version >/dev/null 2>&1; then
		cargo nextest --version | head -n 1
	else
		log "cargo-nextest not found: the test step uses cargo test"
	fi
}

step_fetch_data() {
	"$KANWAMAP_REPO/scripts/fetch-data.sh"
}

step_fmt() {
	cargo fmt --all -- --check
}

step_clippy() {
	cargo clippy --all-targets --locked -- -D warnings
}

step_test() {
	if cargo nextest --version >/dev/null 2>&1; then
		# --no-tests=warn: a fresh crate with no test yet is not a failure of the suite.
		cargo nextest run --all-targets --locked --no-fail-fast --no-tests=warn
	else
		cargo test --all-targets --locked --no-fail-fast
	fi
}

step_doctest() {
	cargo test --doc --locked
}

# ---- browser tests (issue #4) ----------------------------------------------------------------
# Activates by itself once tests/web/package.json exists. The contract for tests/web:
#   * `npm test` in tests/web runs the browser tests with playwright-core driving the system
#     Chromium (CHROMIUM_PATH; no browser download from the internet);
#   * the tests start the server themselves: KANWAMAP_BIN is the debug binary built here,
#     KANWAMAP_DATA_DIR the filled data dir (import into a temp DB, serve on a free port);
#   * screenshots and traces go to tests/artifacts/ (git-ignored).
step_browser() {
	local dir=$KANWAMAP_REPO/tests/web
	if [ ! -f "$dir/package.json" ]; then
		log "no tests/web/package.json yet: browser tests skipped"
		return "$SKIPPED"
	fi
	if ! have chromium; then apt_install_missing chromium; fi
	require_commands npm:npm
	install_web_dependencies
	log "installing the browser tests' npm dependencies (tests/web)"
	if [ -f "$dir/package-lock.json" ]; then
		(cd "$dir" && npm ci --no-audit --no-fund)
	else
		(cd "$dir" && npm install --no-audit --no-fund)
	fi
	cargo build --locked --bin kanwamap
	CHROMIUM_PATH=$(command -v chromium) \
		KANWAMAP_BIN=$(cargo_target_dir)/debug/kanwamap \
		KANWAMAP_DATA_DIR=$(kanwamap_data_dir) \
		KANWAMAP_PREFECTURE=${KANWAMAP_PREFECTURE:-43} \
		bash -c 'cd "$1" && npm test' _ "$dir"
}
# ---- end of browser tests --------------------------------------------------------------------

# --- runner ----------------------------------------------------------------------------------

# A step returns this to say it had nothing to do (shown as "skipped", not a failure).
SKIPPED=200
names=() seconds=() results=()
summary() {
	local i total=0
	printf '\n[%s] summary:\n' "$SCRIPT_NAME" >&2
	for i in "${!names[@]}"; do
		printf '  %-11s %8.1fs  %s\n' "${names[$i]}" "${seconds[$i]}" "${results[$i]}" >&2
		total=$(awk -v a="$total" -v b="${seconds[$i]}" 'BEGIN { print a + b }')
	done
	printf '  %-11s %8.1fs\n' total "$total" >&2
}

for step in "${steps[@]}"; do
	log "=== $step"
	start=$(date +%s.%N)
	rc=0
	# A subshell, so that a `die` inside a step ends the step, not the summary.
	("step_${step//-/_}") || rc=$?
	names+=("$step")
	seconds+=("$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')")
	if [ "$rc" -eq "$SKIPPED" ]; then
		results+=(skipped)
		continue
	fi
	if [ "$rc" -ne 0 ]; then
		results+=("FAILED (exit $rc)")
		summary
		die "step '$step' failed (exit $rc)"
	fi
	results+=(ok)
done
summary
log "all steps passed"
