#!/usr/bin/env python3
"""Dataset helpers for scripts/fetch-data.sh: reads data/sources.toml and converts Geolonia latest.csv.

    datasets.py list MANIFEST PREFS           one line per source and prefecture, fields separated
                                              by \\x1f: key (the id, or id@NN for a source whose
                                              files name the prefecture), fetch, required|optional,
                                              download URL (or the bundled file), page URL, title,
                                              what is lost without it, then the file patterns
                                              ({pref} filled in); PREFS is 43 or 11,43
    datasets.py status MANIFEST PREFS DIR     which sources the data directory lacks per prefecture
                                              (and what that costs); exit 3 when a required one is
                                              missing for any of them
    datasets.py town-points IN OUT PREF       Geolonia latest.csv -> pref,city,town,koaza,lat,lng

Standard library only (tomllib needs Python 3.11).
"""

import csv
import fnmatch
import os
import re
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    sys.exit("datasets.py: Python 3.11 or newer is needed (tomllib); found " + sys.version.split()[0])

SEP = "\x1f"

# What the application lacks without each source: printed when a source is missing, so that an
# online fetch (which cannot obtain the mirror-only tables) says what will not work.
FEATURES = {
    "mhlw_hospitals": "hospitals",
    "mhlw_clinics": "clinics",
    "mhlw_dental": "dental clinics",
    "mhlw_pharmacies": "pharmacies",
    "kijun_ika": "palliative-care capabilities from the 施設基準 filings (home-care support "
    "在宅療養支援診療所/病院, palliative-care wards 緩和ケア病棟, …): `needs=` filters find nothing",
    "town_points": "town-level geocoding: clinics, dental clinics and pharmacies published without "
    "coordinates stay unplaced",
    "municipality_boundaries": "municipality boundaries and area polygons",
    "medical_areas": "secondary medical areas (二次医療圏)",
    "area_population": "population per medical area (coverage shares, providers per 100,000)",
    "visiting_nurses": "visiting-nurse stations",
    "cancer_hubs": "cancer hub hospitals (がん診療連携拠点病院)",
    "cancer_salons": "cancer salons",
    "peer_support": "peer-support rooms and the cancer hotline",
}


def fail(message, code=2):
    print(f"datasets.py: {message}", file=sys.stderr)
    sys.exit(code)


def load_sources(manifest, pref):
    """The manifest's sources, checked, with {pref} filled in."""
    try:
        with open(manifest, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        fail(f"cannot read {manifest}: {e}")
    except tomllib.TOMLDecodeError as e:
        fail(f"{manifest} is not valid TOML: {e}")
    sources = data.get("source")
    if not isinstance(sources, list) or not sources:
        fail(f"{manifest}: no [[source]] entries")
    checked = []
    for n, s in enumerate(sources, start=1):
        where = f"{manifest}: source #{n} ({s.get('id', '?')})"
        sid = s.get("id", "")
        if not re.fullmatch(r"[a-z0-9_]+", sid):
            fail(f"{where}: id must be lower-case letters, digits and _")
        fetch = s.get("fetch")
        if fetch not in ("download", "mirror", "bundled"):
            fail(f"{where}: fetch must be \"download\", \"mirror\" or \"bundled\", not {fetch!r}")
        download = (s.get("download") or "").replace("{pref}", pref)
        if fetch == "download" and not re.match(r"https?://", download):
            fail(f"{where}: fetch = \"download\" needs an http(s) download URL")
        if fetch == "bundled":
            # A small table kept in the repository (data/tables/), copied into the data dir.
            download = (s.get("bundled") or "").replace("{pref}", pref)
            if not download.startswith("tables/") or ".." in download.split("/"):
                fail(f"{where}: fetch = \"bundled\" needs bundled = \"tables/<file>\" (under data/)")
        files = [p.replace("{pref}", pref) for p in s.get("files", [])]
        if not files:
            fail(f"{where}: files is empty")
        for p in files:
            if p.startswith("/") or ".." in p.split("/") or "*" in p.rpartition("/")[0]:
                fail(f"{where}: bad pattern {p!r} (relative, no '..', '*' only in the file name)")
        title = s.get("title", "")
        # Fetched once per prefecture when its URL names the prefecture or its file is made per
        # prefecture (the first pattern, where a download is placed, names it: town points cut
        # from Geolonia's national file); a national file is fetched once for all.
        raw_files = s.get("files", [])
        per_prefecture = "{pref}" in (s.get("download") or "") or bool(raw_files and "{pref}" in raw_files[0])
        key = f"{sid}@{pref}" if per_prefecture else sid
        fields = [key, fetch, "required" if s.get("required") else "optional", download,
                  s.get("url", ""), title, FEATURES.get(sid, title), *files]
        if any(SEP in x or "\n" in x for x in fields):
            fail(f"{where}: a field contains a control character")
        checked.append(fields)
    return checked


def resolve(data_dir, patterns):
    """The files of the first pattern that matches anything (the rule of SourceSpec::resolve)."""
    for pattern in patterns:
        directory, _, name = pattern.rpartition("/")
        path = os.path.join(data_dir, directory)
        try:
            found = sorted(x for x in os.listdir(path)
                           if fnmatch.fnmatchcase(x, name) and os.path.isfile(os.path.join(path, x)))
        except (FileNotFoundError, NotADirectoryError):
            found = []
        if found:
            return [os.path.join(directory, x) if directory else x for x in found]
    return []


def prefectures(prefs):
    """The 2-digit codes of a comma-separated list (validated by the shell already)."""
    codes = [p.strip() for p in prefs.split(",") if p.strip()]
    if not codes or not all(re.fullmatch(r"\d\d", c) and 1 <= int(c) <= 47 for c in codes):
        fail(f"not a list of prefecture codes: {prefs!r}")
    return codes


def cmd_list(manifest, prefs):
    """One line per national source, one per prefecture for the others (no key twice)."""
    seen = set()
    for pref in prefectures(prefs):
        for fields in load_sources(manifest, pref):
            if fields[0] not in seen:
                seen.add(fields[0])
                print(SEP.join(fields))


HOW = {
    "mirror": "only a mirror provides it",
    "download": "download it or use a mirror",
    "bundled": "scripts/fetch-data.sh copies it from data/tables",
}


def cmd_status(manifest, prefs, data_dir):
    missing_required = []
    codes = prefectures(prefs)
    for pref in codes:
        sources = load_sources(manifest, pref)
        present, missing = [], []
        for sid, fetch, required, _download, _url, title, feature, *patterns in sources:
            if resolve(data_dir, patterns):
                present.append(sid.split("@")[0])
                continue
            missing.append((sid.split("@")[0], fetch, required, title, feature, patterns[0]))
            if required == "required":
                missing_required.append(f"{sid.split('@')[0]} ({pref})")
        label = f"prefecture {pref}: " if len(codes) > 1 else ""
        # Many prefectures: one line each, the details only for required sources.
        for sid, fetch, required, title, feature, expected in missing:
            if len(codes) > 1 and required != "required":
                continue
            print(f"  {label}MISSING  {sid:<24} {title} [{required}; {HOW[fetch]}]")
            print(f"           without it: {feature}")
            print(f"           expected: {expected}")
        if len(codes) > 1:
            absent = ", ".join(m[0] for m in missing) or "none"
            print(f"  {label}{len(present)} of {len(sources)} sources present; missing: {absent}")
        else:
            print(f"  {len(present)} of {len(sources)} sources present" + (f": {', '.join(present)}" if present else ""))
    if missing_required:
        print(f"  -> `kanwamap import` fails without: {', '.join(missing_required)}")
        sys.exit(3)


def cmd_town_points(src, out, pref):
    """Filters Geolonia's national latest.csv to one prefecture in the mirror's layout.

    The mirror file (aux/geolonia_town_points_43.csv) has the header pref,city,town,koaza,lat,lng,
    prefecture and municipality by name (a 郡 is part of the municipality name, as in Geolonia),
    rows grouped by municipality, CRLF line ends (csv module default).
    """
    wanted = int(pref)
    try:
        f = open(src, encoding="utf-8-sig", newline="")
    except OSError as e:
        fail(f"cannot read {src}: {e}")
    with f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader, [])]
        if not header:
            fail(f"{src} is empty")

        def column(label, exact=True):
            for i, h in enumerate(header):
                if h == label or (not exact and h.startswith(label)):
                    return i
            fail(f"{src}: no column {label!r} (header: {','.join(header)}); Geolonia may have changed "
                 "the layout of latest.csv: see https://github.com/geolonia/japanese-addresses")

        i_code = column("都道府県コード")
        picks = [column("都道府県名"), column("市区町村名"), column("大字町丁目名"),
                 column("小字", exact=False), column("緯度", exact=False), column("経度", exact=False)]
        width = max(picks + [i_code]) + 1
        rows, short = [], 0
        for row in reader:
            if not row:
                continue
            if len(row) < width:
                short += 1
                continue
            try:
                if int(row[i_code]) != wanted:
                    continue
            except ValueError:
                short += 1
                continue
            rows.append([row[i] for i in picks])
    if not rows:
        fail(f"{src}: no rows for prefecture {pref}")
    # Stable: keeps Geolonia's order of towns within a municipality.
    rows.sort(key=lambda r: r[1])
    tmp = out + ".tmp"
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["pref", "city", "town", "koaza", "lat", "lng"])
        writer.writerows(rows)
    os.replace(tmp, out)
    note = f" ({short} malformed rows skipped)" if short else ""
    print(f"datasets.py: {len(rows)} town points for prefecture {pref} -> {out}{note}", file=sys.stderr)


def main(argv):
    commands = {"list": (cmd_list, 2), "status": (cmd_status, 3), "town-points": (cmd_town_points, 3)}
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        fail("usage:\n" + __doc__.split("\n\n")[1])
    command, _ = commands[argv[1]]
    command(*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
