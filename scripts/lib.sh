# shellcheck shell=bash
# Helpers shared by scripts/*.sh. Sourced, never run: the caller sets SCRIPT_NAME first and has
# `set -euo pipefail` on.

# The repository root, whatever the caller's working directory.
KANWAMAP_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
export KANWAMAP_REPO

log() { printf '[%s] %s\n' "${SCRIPT_NAME:-kanwamap}" "$*" >&2; }
warn() { printf '[%s] warning: %s\n' "${SCRIPT_NAME:-kanwamap}" "$*" >&2; }
die() {
	printf '[%s] error: %s\n' "${SCRIPT_NAME:-kanwamap}" "$*" >&2
	exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# Settings every script agrees on (README "Configuration"). Relative paths are taken from the
# repository root, as the tests (run by cargo from there) take them.
kanwamap_data_dir() { repo_path "${KANWAMAP_DATA_DIR:-var/data}"; }
kanwamap_db() { repo_path "${KANWAMAP_DB:-var/kanwamap.sqlite}"; }
kanwamap_addr() { printf '%s\n' "${KANWAMAP_ADDR:-127.0.0.1:8080}"; }

# Prints a prefecture selection as 2-digit codes joined by commas (`all` = the 47; `43`, `4`,
# `11,43`), or dies naming where the bad value came from. The import takes the same selection.
normalize_prefectures() {
	local value=$1 origin=$2 item out=() n
	[ -n "${value//[ ,]/}" ] || die "$origin: empty (a code 01..47 such as 43, a list such as 11,43, or all)"
	if [ "${value,,}" = all ]; then
		for n in $(seq 1 47); do out+=("$(printf '%02d' "$n")"); done
	else
		IFS=',' read -r -a items <<<"$value"
		for item in "${items[@]}"; do
			item=${item// /}
			[ -n "$item" ] || continue
			if ! [[ $item =~ ^[0-9]{1,2}$ ]] || ((10#$item < 1 || 10#$item > 47)); then
				die "$origin: '$item' is not a prefecture code (01..47; Kumamoto is 43), nor a list such as 11,43, nor all"
			fi
			out+=("$(printf '%02d' "$((10#$item))")")
		done
	fi
	printf '%s\n' "${out[@]}" | sort -u | paste -sd, -
}

# Makes a path absolute without resolving symlinks (the data dir may legitimately be a link):
# abs_path from the working directory (command-line arguments), repo_path from the repository
# root (environment settings).
abs_path() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$PWD" "$1" ;;
	esac
}
repo_path() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$KANWAMAP_REPO" "$1" ;;
	esac
}

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif have sudo; then
		sudo "$@"
	else
		die "root is needed to run '$*' and sudo is not installed: run it as root, then retry"
	fi
}

# Installs the Debian packages of the list that are not installed yet (apt-get update runs at most
# once per script run, and only when something is missing).
APT_UPDATED=0
apt_install_missing() {
	local pkg missing=()
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	have apt-get || die "missing packages (${missing[*]}) and no apt-get on this machine: install them by hand"
	log "installing with apt: ${missing[*]}"
	if [ "$APT_UPDATED" -eq 0 ]; then
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
			die "apt-get update failed: check the network or the apt sources"
		APT_UPDATED=1
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
		die "apt-get install ${missing[*]} failed"
}

# Makes sure the commands exist, installing the given Debian package for each missing one.
# Arguments are command:package pairs, e.g. `require_commands curl:curl unzip:unzip`.
require_commands() {
	local pair packages=()
	for pair in "$@"; do
		have "${pair%%:*}" || packages+=("${pair#*:}")
	done
	[ "${#packages[@]}" -eq 0 ] || apt_install_missing "${packages[@]}"
}

# Cargo comes from rustup, not apt: Debian 12's cargo is far older than the edition-2024 toolchain
# this crate needs (rust-version in Cargo.toml).
require_cargo() {
	have cargo || die "cargo not found: install the Rust toolchain with rustup (https://rustup.rs), then retry"
}

# Where cargo puts build output (honours CARGO_TARGET_DIR and .cargo/config.toml).
cargo_target_dir() {
	cargo metadata --no-deps --format-version 1 |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

# Installs the web page's npm dependencies (MapLibre GL JS; nothing is loaded from a CDN) when
# web/package.json exists and node_modules is missing or older than the lock file, and fills
# web/vendor/, the folder the page loads them from.
install_web_dependencies() {
	local web=$KANWAMAP_REPO/web
	[ -f "$web/package.json" ] || return 0
	require_commands npm:npm
	if [ ! -d "$web/node_modules" ] || [ "$web/package.json" -nt "$web/node_modules" ] ||
		{ [ -f "$web/package-lock.json" ] && [ "$web/package-lock.json" -nt "$web/node_modules" ]; }; then
		log "installing the web page's npm dependencies (web/)"
		if [ -f "$web/package-lock.json" ]; then
			(cd "$web" && npm ci --no-audit --no-fund)
		else
			(cd "$web" && npm install --no-audit --no-fund)
		fi
		touch "$web/node_modules"
	fi
	# The page loads MapLibre from web/vendor/ (copied from node_modules by `npm run vendor`, which
	# `npm ci` runs too): copy again when it is missing or older than the pinned versions.
	local pinned=$web/package.json
	[ ! -f "$web/package-lock.json" ] || pinned=$web/package-lock.json
	if [ ! -f "$web/vendor/versions.json" ] || [ "$pinned" -nt "$web/vendor/versions.json" ]; then
		log "copying the web page's libraries into web/vendor"
		(cd "$web" && npm run --silent vendor)
	fi
}
