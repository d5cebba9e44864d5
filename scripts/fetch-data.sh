#!/usr/bin/env bash
# Fills the data directory that `kanwamap import` and the real-data tests read.
#
# From a mirror when one exists (a copy of the whole tree, replaced only when it changed), otherwise
# online from the publishers' download URLs in data/sources.toml. See --help.
set -euo pipefail
SCRIPT_NAME="fetch-data"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	cat <<EOF
Usage: scripts/fetch-data.sh [--prefecture NN|NN,NN|all] [--manifest FILE] [--force]

Fills the data directory \${KANWAMAP_DATA_DIR:-<repo>/var/data}.

Source, first found wins:
  1. \$KANWAMAP_MIRROR, when set (if it is not a directory, the online download is used and
     the other mirror locations are not tried; set it empty to force the online download);
  2. <repo>/../shared/data, <repo>/../../shared/data, /work/shared/data.
  A mirror is copied whole (the data dir becomes an exact copy; files not in the mirror go away),
  only when its file list, sizes or times differ. A data dir that is (a symlink to) the mirror is
  left alone. The mirror itself is never written to.
  3. Without a mirror: every source of data/sources.toml with fetch = "download" is downloaded
  (curl, with retries; a national file once for all prefectures), sources with fetch =
  "bundled" are copied from the repository's data/tables, and sources with fetch = "mirror"
  cannot be obtained online and are listed with what the application lacks without them. Nothing reaches the data dir until every download
  succeeded; downloads are kept in <data dir>.fetching and resumed on the next run.

Options:
  --prefecture P   the prefectures for {pref} in the manifest: a code (43), a list (11,43) or
                   all (default \$KANWAMAP_PREFECTURE or 43)
  --manifest FILE  the dataset manifest (default <repo>/data/sources.toml)
  --force          copy or download again even when the data dir looks up to date

Exit status: 0 done (or nothing to do); 1 error; 3 the data dir lacks a source that
\`kanwamap import\` requires.
EOF
}

pref_origin=KANWAMAP_PREFECTURE
pref=${KANWAMAP_PREFECTURE:-43}
manifest=$KANWAMAP_REPO/data/sources.toml
force=0
while [ $# -gt 0 ]; do
	case $1 in
	--prefecture)
		[ $# -ge 2 ] || die "--prefecture needs a value"
		pref=$2 pref_origin=--prefecture
		shift 2
		;;
	--prefecture=*) pref=${1#*=} pref_origin=--prefecture && shift ;;
	--manifest)
		[ $# -ge 2 ] || die "--manifest needs a value"
		manifest=$2
		shift 2
		;;
	--manifest=*) manifest=${1#*=} && shift ;;
	--force) force=1 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
pref=$(normalize_prefectures "$pref" "$pref_origin")
manifest=$(abs_path "$manifest")
[ -f "$manifest" ] || die "manifest not found: $manifest"
data_dir=$(kanwamap_data_dir)
data_dir=${data_dir%/}
[ -n "${data_dir##*/}" ] || die "KANWAMAP_DATA_DIR must name a directory, not '$data_dir'"
require_commands python3:python3
datasets() { python3 "$KANWAMAP_REPO/scripts/datasets.py" "$@"; }

# Which sources the data dir provides; exit 3 when a required one is missing.
report_status() {
	log "data in $data_dir (prefecture $pref):"
	local rc=0
	datasets status "$manifest" "$pref" "$data_dir" >&2 || rc=$?
	case $rc in
	0) return 0 ;;
	3)
		log "the data dir lacks a required source (above): \`kanwamap import\` will fail until it is provided"
		exit 3
		;;
	*) die "could not check the data dir (datasets.py exit $rc)" ;;
	esac
}

# The mirror to copy, if any, on stdout.
find_mirror() {
	if [ -n "${KANWAMAP_MIRROR+set}" ]; then
		if [ -z "$KANWAMAP_MIRROR" ]; then
			log "KANWAMAP_MIRROR is set and empty: not using a mirror"
			return 1
		fi
		if [ -d "$KANWAMAP_MIRROR" ]; then
			printf '%s\n' "$KANWAMAP_MIRROR"
			return 0
		fi
		warn "KANWAMAP_MIRROR=$KANWAMAP_MIRROR is not a directory: not using a mirror (the default locations are not tried while KANWAMAP_MIRROR is set)"
		return 1
	fi
	local candidate
	for candidate in "$KANWAMAP_REPO/../shared/data" "$KANWAMAP_REPO/../../shared/data" /work/shared/data; do
		if [ -d "$candidate" ]; then
			printf '%s\n' "$candidate"
			return 0
		fi
	done
	return 1
}

# File list with sizes and times (whole seconds), relative to the tree: what "changed" means for a
# mirror copy (cp -a keeps times, so an unchanged mirror gives the same list).
tree_listing() {
	(cd "$1" && find . -type f -printf '%P\t%s\t%T@\n') | sed 's/\.[0-9]*$//' | LC_ALL=C sort
}

# Work directories next to the data dir: the copy or downloads in progress, and the tree being
# replaced. Their names are ours; leftovers of an interrupted run are removed or resumed.
staging=$data_dir.fetching
replaced=$data_dir.replaced
cleanup() {
	# A mirror copy in progress is never resumed: a partial copy must not survive.
	if [ "${copying:-0}" -eq 1 ]; then rm -rf -- "$staging"; fi
	rm -rf -- "$replaced"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Refuses to write through a symlink or into a mirror: the data dir must be a plain directory
# (or absent) before anything is written.
check_writable_target() {
	if [ -L "$data_dir" ]; then
		die "$data_dir is a symlink to $(readlink -f -- "$data_dir"); this script does not write through symlinks (it could modify a mirror). Remove the link (rm '$data_dir') to get a copy, or set KANWAMAP_DATA_DIR to another directory."
	fi
	if [ -e "$data_dir" ] && [ ! -d "$data_dir" ]; then
		die "$data_dir exists and is not a directory"
	fi
	mkdir -p -- "$(dirname -- "$data_dir")"
	# One writer at a time (say run.sh and test.sh started together on one checkout).
	if have flock; then
		exec 9>"$data_dir.lock"
		if ! flock -n 9; then
			log "another fetch-data.sh is filling $data_dir: waiting for it"
			flock -w 900 9 || die "gave up waiting for the other fetch-data.sh (lock $data_dir.lock)"
		fi
	fi
}

copy_from_mirror() {
	local mirror real_mirror real_data
	mirror=$1
	real_mirror=$(readlink -f -- "$mirror")
	[ -d "$real_mirror/01_mhlw_facilities" ] ||
		die "the mirror $mirror does not look like kanwamap data (no 01_mhlw_facilities/); see /work/shared/data/README.md"
	real_data=$(readlink -m -- "$data_dir")
	if [ "$real_data" = "$real_mirror" ]; then
		if [ -L "$data_dir" ]; then
			log "$data_dir is a symlink to the mirror $real_mirror: nothing to do"
		else
			log "$data_dir is the mirror itself: nothing to do"
		fi
		return 0
	fi
	case $real_data/ in "$real_mirror"/*) die "$data_dir lies inside the mirror $real_mirror: choose another KANWAMAP_DATA_DIR" ;; esac
	case $real_mirror/ in "$real_data"/*) die "the mirror $real_mirror lies inside $data_dir: choose another KANWAMAP_DATA_DIR" ;; esac
	check_writable_target
	if [ "$force" -eq 0 ] && [ -d "$data_dir" ] &&
		[ "$(tree_listing "$real_mirror")" = "$(tree_listing "$data_dir")" ]; then
		log "$data_dir is up to date with the mirror $real_mirror: nothing to do"
		return 0
	fi
	log "copying the mirror $real_mirror -> $data_dir ($(du -sh -- "$real_mirror" | cut -f1))"
	copying=1
	rm -rf -- "$staging" "$replaced"
	mkdir -p -- "$staging"
	cp -a -- "$real_mirror/." "$staging/"
	# The mirror is read-only; the copy must stay deletable by the next run.
	chmod -R u+w -- "$staging"
	[ "$(tree_listing "$real_mirror")" = "$(tree_listing "$staging")" ] ||
		die "the copy differs from the mirror (did the mirror change during the copy?); run again"
	# Swap whole trees so that a reader never sees a half-copied data dir.
	if [ -e "$data_dir" ]; then mv -- "$data_dir" "$replaced"; fi
	mv -- "$staging" "$data_dir"
	copying=0
	rm -rf -- "$replaced"
	log "copied $(tree_listing "$data_dir" | wc -l) files"
}

# --- online ----------------------------------------------------------------------------------

# Whether any of the patterns matches a file under the directory.
provides() {
	local dir=$1 pattern file
	shift
	for pattern in "$@"; do
		for file in "$dir"/$pattern; do
			[ -f "$file" ] && return 0
		done
	done
	return 1
}

# Whether a file name matches the glob (the file-name part of a manifest pattern).
name_matches() {
	# shellcheck disable=SC2053 # the right side is a glob on purpose
	[[ $1 == $2 ]]
}

# Downloads one source into $staging and puts its file(s) where its patterns look.
fetch_source() {
	local id=$1 url=$2 page=$3
	shift 3
	local patterns=("$@")
	local work=$staging/.download/$id
	local name=${url##*/}
	name=${name%%\?*}
	[ -n "$name" ] || name=download
	rm -rf -- "$work"
	mkdir -p -- "$work"
	# One download per URL and run: Geolonia's national file serves every prefecture's town points.
	local cache
	cache=$staging/.download/by-url/$(printf '%s' "$url" | sha256sum | cut -c1-16)
	local rc=0
	if [ -f "$cache/$name" ]; then
		log "$id: using the download of $url made earlier in this run"
		cp -- "$cache/$name" "$work/$name.part"
	else
		log "$id: downloading $url"
		curl --fail --silent --show-error --location --retry 3 --retry-delay 5 --retry-connrefused \
			--connect-timeout 20 --max-time 1800 --output "$work/$name.part" -- "$url" || rc=$?
		if [ "$rc" -eq 0 ]; then mkdir -p -- "$cache" && cp -- "$work/$name.part" "$cache/$name"; fi
	fi
	if [ "$rc" -ne 0 ]; then
		rm -rf -- "$work"
		warn "$id: download failed (curl exit $rc): $url"
		case $rc in
		5 | 6 | 7 | 28 | 35 | 56)
			warn "$id: the host could not be reached: check the network (a proxy needs https_proxy), or use a mirror"
			;;
		*)
			warn "$id: the publisher may have moved or renamed the file; see $page and put the file in the data dir so that it matches ${patterns[0]}"
			;;
		esac
		return 1
	fi
	mv -- "$work/$name.part" "$work/$name"

	if [ "${id%@*}" = town_points ]; then
		# Geolonia's national latest.csv becomes the per-prefecture file the importer reads.
		datasets town-points "$work/$name" "$staging/${patterns[0]}" "${id#*@}" || {
			rm -rf -- "$work"
			warn "$id: could not convert $name to ${patterns[0]}"
			return 1
		}
		rm -rf -- "$work"
		return 0
	fi

	local candidates=() file
	if [[ ${name,,} == *.zip ]] || [ "$(head -c 2 -- "$work/$name")" = PK ]; then
		if ! unzip -q -o "$work/$name" -d "$work/unzipped"; then
			rm -rf -- "$work"
			warn "$id: $name is not a readable zip archive"
			return 1
		fi
		while IFS= read -r -d '' file; do candidates+=("$file"); done < <(find "$work/unzipped" -type f -print0 | sort -z)
	else
		candidates=("$work/$name")
	fi

	# The first pattern that matches a downloaded file decides where it goes.
	local pattern dir glob placed=()
	for pattern in "${patterns[@]}"; do
		dir=${pattern%/*}
		[ "$dir" != "$pattern" ] || dir=.
		glob=${pattern##*/}
		for file in "${candidates[@]}"; do
			if name_matches "${file##*/}" "$glob"; then
				mkdir -p -- "$staging/$dir"
				mv -f -- "$file" "$staging/$dir/"
				placed+=("$dir/${file##*/}")
			fi
		done
		[ "${#placed[@]}" -eq 0 ] || break
	done
	if [ "${#placed[@]}" -eq 0 ]; then
		# Renamed by the publisher: a single file with the right extension is still the dataset;
		# name it after the first pattern so that the importer finds it.
		pattern=${patterns[0]}
		dir=${pattern%/*}
		[ "$dir" != "$pattern" ] || dir=.
		glob=${pattern##*/}
		local ext=${glob##*.} same_ext=()
		for file in "${candidates[@]}"; do
			[[ ${file##*.} == "$ext" ]] && same_ext+=("$file")
		done
		if [ "${#same_ext[@]}" -ne 1 ]; then
			warn "$id: no downloaded file matches ${patterns[*]}; got: $(for f in "${candidates[@]}"; do printf '%s ' "${f##*/}"; done)"
			warn "$id: put the right file in the data dir by hand so that it matches ${patterns[0]}"
			rm -rf -- "$work"
			return 1
		fi
		file=${same_ext[0]}
		local stem=${file##*/}
		stem=${stem%.*}
		mkdir -p -- "$staging/$dir"
		mv -f -- "$file" "$staging/$dir/${glob//\*/$stem}"
		placed+=("$dir/${glob//\*/$stem}")
	fi
	rm -rf -- "$work"
	log "$id: placed ${placed[*]}"
}

# Copies a table kept in the repository (fetch = "bundled") to where the first pattern that
# matches its name looks.
place_bundled() {
	local id=$1 file=$2 pattern dir
	shift 2
	for pattern in "$@"; do
		if name_matches "${file##*/}" "${pattern##*/}"; then
			dir=${pattern%/*}
			[ "$dir" != "$pattern" ] || dir=.
			mkdir -p -- "$staging/$dir"
			cp -- "$file" "$staging/$dir/${file##*/}"
			log "$id: copied ${file#"$KANWAMAP_REPO"/} (kept in the repository)"
			return 0
		fi
	done
	warn "$id: no pattern of the manifest matches ${file##*/} ($*)"
	return 1
}

fetch_online() {
	check_writable_target
	require_commands curl:curl unzip:unzip
	local fields id fetch required url page title feature patterns
	local wanted=() mirror_only=() failed=()
	local lines
	lines=$(datasets list "$manifest" "$pref") || die "cannot read $manifest"
	while IFS=$'\x1f' read -r -a fields; do
		id=${fields[0]} fetch=${fields[1]} required=${fields[2]} title=${fields[5]} feature=${fields[6]}
		if [ "$fetch" = mirror ] || { [ "$fetch" = bundled ] && [ ! -f "$KANWAMAP_REPO/data/${fields[3]}" ]; }; then
			provides "$data_dir" "${fields[@]:7}" ||
				mirror_only+=("$id ($required): $title"$'\n'"        without it: $feature")
		elif [ "$force" -eq 1 ] || ! provides "$data_dir" "${fields[@]:7}"; then
			wanted+=("$id")
		fi
	done <<<"$lines"

	if [ "${#mirror_only[@]}" -gt 0 ]; then
		warn "no mirror: these sources are published only as documents or conversions, so only a mirror (KANWAMAP_MIRROR) provides them:"
		printf '    %s\n' "${mirror_only[@]}" >&2
	fi
	if [ "${#wanted[@]}" -eq 0 ]; then
		log "every downloadable source is already in $data_dir: nothing to download (--force downloads again)"
		return 0
	fi

	# Resume only downloads of an earlier online run (marked), never a leftover mirror copy.
	if [ -d "$staging" ] && [ ! -f "$staging/.download/.online" ]; then rm -rf -- "$staging"; fi
	mkdir -p -- "$staging/.download"
	touch -- "$staging/.download/.online"
	while IFS=$'\x1f' read -r -a fields; do
		id=${fields[0]} url=${fields[3]} page=${fields[4]}
		patterns=("${fields[@]:7}")
		[[ " ${wanted[*]} " == *" $id "* ]] || continue
		if [ "$force" -eq 0 ] && provides "$staging" "${patterns[@]}"; then
			log "$id: already downloaded by an earlier run (in $staging)"
			continue
		fi
		if [ "${fields[1]}" = bundled ]; then
			place_bundled "$id" "$KANWAMAP_REPO/data/$url" "${patterns[@]}" || failed+=("$id")
		else
			fetch_source "$id" "$url" "$page" "${patterns[@]}" || failed+=("$id")
		fi
	done <<<"$lines"

	if [ "${#failed[@]}" -gt 0 ]; then
		warn "failed: ${failed[*]}"
		die "online fetch incomplete: nothing was put in $data_dir. What did download is kept in $staging and reused by the next run; fix the failures above (network, moved files) and run again, or use a mirror (KANWAMAP_MIRROR=DIR)."
	fi

	# Every download succeeded: move the files in (each file whole, by rename).
	local file
	mkdir -p -- "$data_dir"
	while IFS= read -r -d '' file; do
		mkdir -p -- "$data_dir/$(dirname -- "$file")"
		mv -f -- "$staging/$file" "$data_dir/$file"
	done < <(cd "$staging" && find . -path ./.download -prune -o -type f -printf '%P\0')
	rm -rf -- "$staging"
	{
		printf '# Fetched online by scripts/fetch-data.sh on %s (prefecture %s)\n\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$pref"
		printf 'Downloaded from the URLs in %s: %s\n' "${manifest#"$KANWAMAP_REPO"/}" "${wanted[*]}"
		if [ "${#mirror_only[@]}" -gt 0 ]; then
			printf '\nNot available online (mirror only):\n'
			printf -- '- %s\n' "${mirror_only[@]}"
		fi
	} >"$data_dir/FETCHED-ONLINE.md"
	log "downloaded ${wanted[*]} into $data_dir"
}

# --- main ------------------------------------------------------------------------------------

if mirror=$(find_mirror); then
	copy_from_mirror "$mirror"
else
	log "no mirror found: fetching online from the URLs in ${manifest#"$KANWAMAP_REPO"/} (best effort)"
	fetch_online
fi
report_status
