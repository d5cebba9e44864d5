#!/usr/bin/env bash
# Builds kanwamap, imports the data when needed and serves the map: the one command for a fresh
# machine. See --help.
set -euo pipefail
SCRIPT_NAME="run"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	cat <<EOF
Usage: scripts/run.sh [--reimport]

1. installs what is missing (cargo must come from rustup; system packages from apt);
2. fills the data dir (scripts/fetch-data.sh);
3. cargo build --release;
4. imports the data into \${KANWAMAP_DB:-<repo>/var/kanwamap.sqlite} when the database is
   missing, older than the data dir or older than the binary, or with --reimport;
5. serves on \${KANWAMAP_ADDR:-127.0.0.1:8080} (logs: RUST_LOG, e.g. RUST_LOG=debug).

Options:
  --reimport  import again even when the database looks up to date
EOF
}

reimport=0
while [ $# -gt 0 ]; do
	case $1 in
	--reimport) reimport=1 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

cd "$KANWAMAP_REPO"
pref=$(normalize_prefectures "${KANWAMAP_PREFECTURE:-43}" KANWAMAP_PREFECTURE)
data_dir=$(kanwamap_data_dir)
db=$(kanwamap_db)
addr=$(kanwamap_addr)

# System packages the build and the import need. None yet: the crates vendor their C code
# (rusqlite's bundled SQLite). Add a package here when a dependency starts to need one
# (e.g. cmake for a bundled PROJ).
SYSTEM_PACKAGES=()
require_cargo
require_commands python3:python3 curl:curl
[ "${#SYSTEM_PACKAGES[@]}" -eq 0 ] || apt_install_missing "${SYSTEM_PACKAGES[@]}"

"$KANWAMAP_REPO/scripts/fetch-data.sh" --prefecture "$pref"

log "building (cargo build --release)"
cargo build --release --locked
bin=$(cargo_target_dir)/release/kanwamap
[ -x "$bin" ] || die "the build did not produce $bin"

install_web_dependencies

# Whether the database must be (re)built: something it is made from is newer than it.
needs_import() {
	[ "$reimport" -eq 1 ] && return 0
	[ -f "$db" ] || return 0
	[ "$bin" -nt "$db" ] && return 0
	# -L: the data dir is often a symlink to the mirror.
	[ -n "$(find -L "$data_dir" -newer "$db" -print -quit)" ]
}

if needs_import; then
	mkdir -p -- "$(dirname -- "$db")"
	report=${db%.sqlite}.import-report.txt
	log "importing $data_dir (prefecture $pref) -> $db"
	if [ -f "$db" ]; then
		# In place: the database also holds what users wrote (pharmacy stock, tokens, audit), which
		# a re-import keeps; the registry is replaced in one transaction, so a failed or refused
		# import (e.g. a partial download that would shrink the registry) leaves it as it was.
		"$bin" import --data-dir "$data_dir" --prefecture "$pref" --db "$db" \
			--manifest "$KANWAMAP_REPO/data/sources.toml" --report "$report" ||
			die "import failed; the database is unchanged (see the messages above and $report)"
	else
		# A first import goes to a new file that is moved into place only when complete, so a
		# failure never leaves a fresh-looking but empty database behind.
		tmp_db=$db.importing
		rm -f -- "$tmp_db" "$tmp_db-wal" "$tmp_db-shm"
		if ! "$bin" import --data-dir "$data_dir" --prefecture "$pref" --db "$tmp_db" \
			--manifest "$KANWAMAP_REPO/data/sources.toml" --report "$report"; then
			rm -f -- "$tmp_db" "$tmp_db-wal" "$tmp_db-shm"
			die "import failed (see the messages above and $report)"
		fi
		rm -f -- "$db-wal" "$db-shm" "$tmp_db-shm"
		[ ! -e "$tmp_db-wal" ] || mv -f -- "$tmp_db-wal" "$db-wal"
		mv -f -- "$tmp_db" "$db"
	fi
	log "imported; rejected rows are listed in $report"
else
	log "$db is up to date (--reimport to import again)"
fi

log "serving on http://$addr (Ctrl-C stops)"
exec "$bin" serve --db "$db" --addr "$addr" --web-dir "$KANWAMAP_REPO/web"
