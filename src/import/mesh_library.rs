//! The 500 m mesh files of one import, read once and handed to each prefecture that they reach.
//!
//! A multi-prefecture import (`--prefecture all`) would otherwise read every mesh file once per
//! prefecture. Official mesh files cover whole 1st-order meshes (80 km squares) that straddle
//! prefecture borders, so a file is given to every prefecture whose municipalities intersect one of
//! its 1st-order meshes, and each prefecture assigns the cells that are its own (see
//! [`super::cells`]).

use std::collections::BTreeSet;

use super::cells::{MeshFile, MeshInput, MeshLayout, first_order_meshes_of};
use crate::ingest::estat_mesh::{MeshRecord, declared_first_order_mesh, read_mesh_csv, read_mesh_geojson};
use crate::ingest::{IngestError, Parsed, Rejection, SourceStats};
use crate::model::Municipality;

/// One mesh file, read.
#[derive(Debug)]
pub(super) struct MeshFileRead {
    /// The file and how to treat it.
    pub file: MeshFile,
    /// Counts of the reader.
    pub stats: SourceStats,
    /// Rows the reader rejected.
    pub rejections: Vec<Rejection>,
    /// The 1st-order meshes of the file: those its name declares and those of its cells.
    pub first_order: BTreeSet<u16>,
    input: MeshInput,
}

impl MeshFileRead {
    /// The cells as published.
    pub fn records(&self) -> &[MeshRecord] {
        &self.input.records
    }
}

/// Every mesh file of an import.
#[derive(Debug, Default)]
pub(super) struct MeshLibrary {
    files: Vec<MeshFileRead>,
}

impl MeshLibrary {
    /// Reads each file once (a path given twice is read once).
    pub fn read(files: Vec<MeshFile>) -> Result<Self, IngestError> {
        let mut library = MeshLibrary::default();
        for file in files {
            if library.files.iter().any(|f| f.file.path == file.path) {
                continue;
            }
            let parsed: Parsed<MeshRecord> = match file.layout {
                MeshLayout::EstatCsv => read_mesh_csv(&file.path, &file.source_id)?,
                MeshLayout::GeoJson => read_mesh_geojson(&file.path, &file.source_id)?,
            };
            let declared: BTreeSet<u16> = declared_first_order_mesh(&file.path).into_iter().collect();
            let mut first_order = declared.clone();
            first_order.extend(parsed.records.iter().map(|r| r.code.first_order()));
            library.files.push(MeshFileRead {
                input: MeshInput { scope: file.scope, declared_meshes: declared, records: parsed.records },
                file,
                stats: parsed.stats,
                rejections: parsed.rejections,
                first_order,
            });
        }
        Ok(library)
    }

    /// Whether no file was read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Every file read, in the order given.
    pub fn files(&self) -> &[MeshFileRead] {
        &self.files
    }

    /// The files that reach a prefecture (one of their 1st-order meshes intersects one of its
    /// municipalities), with copies of their cells for that prefecture's assignment.
    pub fn for_prefecture(&self, municipalities: &[Municipality]) -> Vec<(&MeshFileRead, MeshInput)> {
        let reached: BTreeSet<u16> =
            municipalities.iter().flat_map(|m| first_order_meshes_of(&m.geometry)).collect();
        self.files
            .iter()
            .filter(|f| !f.first_order.is_disjoint(&reached))
            .map(|f| (f, f.input.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use geo::{MultiPolygon, polygon};

    use super::*;
    use crate::import::cells::MeshScope;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn csv_file(path: PathBuf) -> MeshFile {
        MeshFile {
            path,
            source_id: "population_mesh".into(),
            layout: MeshLayout::EstatCsv,
            scope: MeshScope::FirstOrderMeshes,
        }
    }

    /// A municipality covering a square of 0.2° at (lon, lat).
    fn muni(code: &str, lon: f64, lat: f64) -> Municipality {
        Municipality {
            code: code.into(),
            name: code.into(),
            area_code: None,
            geometry: MultiPolygon::new(vec![polygon![
                (x: lon, y: lat), (x: lon + 0.2, y: lat), (x: lon + 0.2, y: lat + 0.2), (x: lon, y: lat + 0.2)
            ]]),
        }
    }

    const HEADER: &str = "KEY_CODE,HTKSYORI,HTKSAKI,GASSAN,T001101001,T001101019,T001101022\n";

    #[test]
    fn a_file_reaches_the_prefectures_of_its_first_order_meshes_and_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        // 1st-order mesh 4930: lat 32°40′–33°20′, lon 130–131.
        let path = write(dir.path(), "tblT001101H4930.csv", &format!("{HEADER}493000001,0,,,10,4,2\n"));
        let library = MeshLibrary::read(vec![csv_file(path.clone()), csv_file(path)]).unwrap();
        assert_eq!(library.files().len(), 1, "a path given twice is read once");
        assert_eq!(library.files()[0].first_order, BTreeSet::from([4930]));
        let inside = library.for_prefecture(&[muni("43101", 130.6, 32.7)]);
        assert_eq!(inside.len(), 1);
        assert_eq!(inside[0].1.records.len(), 1);
        assert!(library.for_prefecture(&[muni("13101", 139.7, 35.6)]).is_empty(), "Tokyo is not in 4930");
        assert!(library.for_prefecture(&[]).is_empty());
    }

    #[test]
    fn an_empty_library_reaches_nobody() {
        let library = MeshLibrary::read(Vec::new()).unwrap();
        assert!(library.is_empty());
        assert!(library.for_prefecture(&[muni("43101", 130.6, 32.7)]).is_empty());
    }

    #[test]
    fn a_broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "tblT001101H4930.csv", "no,such,columns\n1,2,3\n");
        let err = MeshLibrary::read(vec![csv_file(path)]).unwrap_err().to_string();
        assert!(err.contains("tblT001101H4930.csv"), "{err}");
    }
}
