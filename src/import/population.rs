//! The prefecture's 500 m population cells from the mesh files that reach it.

use std::collections::BTreeMap;

use super::cells::build_from_inputs;
use super::mesh_library::MeshLibrary;
use super::pipeline::ImportError;
use super::report::PopulationSummary;
use super::run::Run;
use crate::ingest::SourceStats;
use crate::ingest::ksj::read_n03_other_prefectures;
use crate::model::{Area, Municipality, PopulationCell};

impl Run<'_> {
    /// Builds the prefecture's 500 m cells from the mesh files that reach it (read once for the
    /// whole import): e-Stat's suppression resolved, cells assigned to municipalities and areas,
    /// and every area given its mesh population and whether the mesh covers it. An area that no
    /// mesh file reaches is marked incomplete (`population_complete: false`), never a silent 0 %.
    pub(super) fn read_population_cells(
        &mut self,
        municipalities: &[Municipality],
        mut areas: Vec<Area>,
        meshes: &MeshLibrary,
    ) -> Result<(Vec<PopulationCell>, Vec<Area>), ImportError> {
        let reaching = meshes.for_prefecture(municipalities);
        for id in ["population_mesh", "population_mesh_extract"] {
            let files: Vec<_> = reaching.iter().filter(|(f, _)| f.file.source_id == id).collect();
            if files.is_empty() {
                self.report.missing_sources.push(id.to_owned());
            }
            for (file, _) in files {
                let label = self.label(&file.file.path);
                self.used.push((self.spec(id)?.clone(), label));
            }
        }
        if reaching.is_empty() {
            for area in &mut areas {
                area.population_complete = Some(false);
            }
            return Ok((Vec::new(), areas));
        }
        let neighbours = match self.optional("neighbour_boundaries")? {
            Some((spec, path)) => {
                Some(self.absorb(&path, read_n03_other_prefectures(&path, &spec.id, &self.pref)?))
            }
            None => None,
        };
        let mut built = Vec::with_capacity(reaching.len());
        let mut inputs = Vec::with_capacity(reaching.len());
        for (file, input) in reaching {
            built.push(file);
            inputs.push(input);
        }
        let cells = build_from_inputs(inputs, municipalities, &areas, neighbours.as_deref());
        for file in &built {
            // The reader's counts and rejections belong to the file, not to the prefecture: they are
            // taken once by the merge. Here the file is only named as a source of this prefecture.
            let label = self.label(&file.file.path);
            self.stats.push(SourceStats { file: label, ..file.stats.clone() });
        }
        self.report.problems.extend(cells.problems);
        let mut unassigned: BTreeMap<&'static str, (usize, u64)> = BTreeMap::new();
        for u in &cells.unassigned {
            let entry = unassigned.entry(u.reason.label()).or_default();
            entry.0 += 1;
            entry.1 += u64::from(u.cell.population);
        }
        let population: u64 = cells.cells.iter().map(|c| u64::from(c.population)).sum();
        self.report.population = Some(PopulationSummary {
            cells: cells.cells.len(),
            population,
            coastal_cells: cells.coastal,
            present_meshes: cells.present_meshes.iter().copied().collect(),
            unassigned: unassigned.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            areas: cells.areas.clone(),
        });
        for area in &mut areas {
            if let Some(mesh) = cells.areas.iter().find(|m| m.area_code == area.code) {
                area.mesh_population = Some(mesh.population);
                area.mesh_population_65plus = Some(mesh.population_65plus);
                area.population_complete = Some(mesh.complete);
            }
        }
        Ok((cells.cells, areas))
    }
}
