//! The dataset manifest (`data/sources.toml`): which files to read, and the credits to show.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::IngestError;

/// The whole manifest.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Manifest {
    /// Every source, in file order.
    #[serde(rename = "source")]
    pub sources: Vec<SourceSpec>,
}

/// One dataset.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SourceSpec {
    /// Stable id, used in reports and in [`crate::model::SourceRef`].
    pub id: String,
    /// Title as the publisher names it.
    pub title: String,
    /// Who publishes it.
    pub publisher: String,
    /// The publisher's page.
    pub url: String,
    /// A direct download URL, when one exists.
    #[serde(default)]
    pub download: Option<String>,
    /// How scripts/fetch-data.sh obtains it: "download", "bundled" or "mirror".
    pub fetch: String,
    /// For `fetch = "bundled"`: the file in the repository's `data/` directory (`{pref}` allowed).
    #[serde(default)]
    pub bundled: Option<String>,
    /// Licence.
    pub licence: String,
    /// The credit line the application must show.
    pub attribution: String,
    /// Date of the data, as published.
    #[serde(default)]
    pub as_of: Option<String>,
    /// Which reader handles the layout.
    pub format: String,
    /// Facility kind, for facility lists.
    #[serde(default)]
    pub kind: Option<String>,
    /// Glob patterns relative to the data directory, `{pref}` = prefecture code; first match wins.
    pub files: Vec<String>,
    /// Whether the import fails without it.
    #[serde(default)]
    pub required: bool,
}

impl Manifest {
    /// Reads a manifest file.
    pub fn load(path: &Path) -> Result<Self, IngestError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
        Self::parse(path, &text)
    }

    /// Parses manifest text.
    pub fn parse(path: &Path, text: &str) -> Result<Self, IngestError> {
        toml::from_str(text)
            .map_err(|e| IngestError::Layout { path: path.to_owned(), message: e.to_string() })
    }

    /// The manifest compiled into the binary (the repository's `data/sources.toml`).
    pub fn builtin() -> Self {
        Self::parse(Path::new("data/sources.toml"), include_str!("../../data/sources.toml"))
            .expect("the built-in data/sources.toml parses (checked by a unit test)")
    }

    /// The source with this id.
    pub fn source(&self, id: &str) -> Option<&SourceSpec> {
        self.sources.iter().find(|s| s.id == id)
    }
}

impl SourceSpec {
    /// The credit as it applies to the prefectures that used this source: `{bureau}` in the
    /// publisher, title or attribution becomes their regional bureaus of health and welfare
    /// (地方厚生局, e.g. 九州厚生局), joined by 「・」 when there are several.
    pub fn for_prefectures(&self, prefectures: &[String]) -> SourceSpec {
        let mut bureaus: Vec<&str> = Vec::new();
        for pref in prefectures {
            if let Some(bureau) = crate::model::regional_health_bureau(pref)
                && !bureaus.contains(&bureau)
            {
                bureaus.push(bureau);
            }
        }
        let bureau = if bureaus.is_empty() { "地方厚生局".to_owned() } else { bureaus.join("・") };
        let fill = |text: &str| text.replace("{bureau}", &bureau);
        SourceSpec {
            publisher: fill(&self.publisher),
            title: fill(&self.title),
            attribution: fill(&self.attribution),
            ..self.clone()
        }
    }

    /// The patterns of this source for a prefecture, `{pref}` filled in.
    pub fn patterns(&self, pref_code: &str) -> Vec<String> {
        self.files.iter().map(|p| p.replace("{pref}", pref_code)).collect()
    }

    /// The files of this source for a prefecture: every file matching the first pattern that matches
    /// anything, sorted by name.
    pub fn resolve(&self, data_dir: &Path, pref_code: &str) -> Vec<PathBuf> {
        self.resolve_scoped(data_dir, pref_code).map(|(files, _)| files).unwrap_or_default()
    }

    /// Like [`SourceSpec::resolve`], and whether the pattern that matched names the prefecture
    /// (`{pref}`): a file of the prefecture's own rather than a national one filtered by code.
    pub fn resolve_scoped(&self, data_dir: &Path, pref_code: &str) -> Option<(Vec<PathBuf>, bool)> {
        self.files.iter().find_map(|raw| {
            let found = glob_files(data_dir, &raw.replace("{pref}", pref_code));
            (!found.is_empty()).then(|| (found, raw.contains("{pref}")))
        })
    }
}

/// Files under `base` matching `pattern` (`dir/sub/name*.csv`; `*` only in the last component).
fn glob_files(base: &Path, pattern: &str) -> Vec<PathBuf> {
    let (dir, name_pattern) = match pattern.rsplit_once('/') {
        Some((dir, name)) => (base.join(dir), name),
        None => (base.to_owned(), pattern),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        // `Path::is_file` follows symbolic links: a data directory may link its files.
        .filter(|e| e.path().is_file())
        .filter(|e| e.file_name().to_str().is_some_and(|n| wildcard_match(name_pattern, n)))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// Matches `name` against `pattern`, where `*` stands for any run of characters.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || !name.ends_with(last) || name.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("a*_43_*.csv", "a2025_43_kumamoto.csv"));
        assert!(!wildcard_match("a*_43_*.csv", "a2025_11_saitama.csv"));
        assert!(wildcard_match("exact.csv", "exact.csv"));
        assert!(!wildcard_match("ab*ba", "aba"));
        assert!(wildcard_match("*", "anything"));
    }

    #[test]
    fn builtin_manifest_parses_and_has_credits() {
        let manifest = Manifest::builtin();
        assert!(manifest.sources.len() >= 10);
        for s in &manifest.sources {
            assert!(!s.attribution.is_empty(), "{} lacks attribution", s.id);
            assert!(
                ["download", "bundled", "mirror"].contains(&s.fetch.as_str()),
                "{}: fetch={}",
                s.id,
                s.fetch
            );
            assert!(s.fetch != "download" || s.download.is_some(), "{} lacks a download URL", s.id);
            if s.fetch == "bundled" {
                // The bundled table of Kumamoto exists in the repository and lands where the
                // source's patterns look.
                let bundled =
                    s.bundled.as_deref().expect("a bundled source names its file").replace("{pref}", "43");
                let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(&bundled);
                assert!(path.is_file(), "{}: {} missing", s.id, path.display());
                let name = path.file_name().and_then(|n| n.to_str()).expect("a file name");
                assert!(
                    s.patterns("43").iter().any(|p| wildcard_match(p.rsplit('/').next().unwrap_or(p), name)),
                    "{}: no pattern matches {name}",
                    s.id
                );
            }
        }
        assert!(manifest.source("mhlw_hospitals").is_some_and(|s| s.required));
    }

    #[test]
    fn the_bureau_of_the_prefectures_is_credited() {
        let kijun = Manifest::builtin().source("kijun_ika").expect("kijun_ika").clone();
        assert!(kijun.attribution.contains("{bureau}"), "{}", kijun.attribution);
        let kumamoto = kijun.for_prefectures(&["43".into()]);
        assert_eq!(kumamoto.attribution, "九州厚生局「届出受理医療機関名簿」を加工して作成");
        let two = kijun.for_prefectures(&["11".into(), "43".into(), "40".into()]);
        assert!(two.attribution.starts_with("関東信越厚生局・九州厚生局「"), "{}", two.attribution);
        assert!(!two.publisher.contains('{'), "{}", two.publisher);
    }

    #[test]
    fn resolve_prefers_first_matching_pattern() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("x")).unwrap();
        std::fs::write(dir.path().join("x/own_43_k.csv"), "").unwrap();
        std::fs::write(dir.path().join("x/national.csv"), "").unwrap();
        let spec = SourceSpec {
            id: "t".into(),
            title: String::new(),
            publisher: String::new(),
            url: String::new(),
            download: None,
            fetch: "mirror".into(),
            bundled: None,
            licence: String::new(),
            attribution: String::new(),
            as_of: None,
            format: String::new(),
            kind: None,
            files: vec!["x/own_{pref}_*.csv".into(), "x/national.csv".into()],
            required: false,
        };
        assert_eq!(spec.resolve(dir.path(), "43"), vec![dir.path().join("x/own_43_k.csv")]);
        assert_eq!(spec.resolve(dir.path(), "11"), vec![dir.path().join("x/national.csv")]);
        assert_eq!(spec.resolve_scoped(dir.path(), "43").map(|(_, own)| own), Some(true));
        assert_eq!(spec.resolve_scoped(dir.path(), "11").map(|(_, own)| own), Some(false));
        assert!(spec.resolve(&dir.path().join("missing"), "43").is_empty());
    }
}
