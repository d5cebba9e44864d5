//! The report's CSV files, UTF-8 with a BOM so that Excel opens them: every rejected row, and the
//! 施設基準 join facility by facility.

use std::io::Write as _;
use std::path::Path;

use super::ImportReport;

/// Writes every rejection, one row each: source, file, line, field, value, reason, disposition.
pub fn write_rejections_csv(path: &Path, report: &ImportReport) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    file.write_all(b"\xEF\xBB\xBF")?;
    let mut writer = csv::Writer::from_writer(file);
    writer.write_record(["source", "file", "line", "field", "value", "reason", "disposition"])?;
    for r in &report.rejections {
        let disposition = match r.disposition {
            crate::ingest::Disposition::Dropped => "dropped",
            crate::ingest::Disposition::Replaced => "replaced",
        };
        writer.write_record([
            r.source.as_str(),
            r.file.as_str(),
            &r.line.to_string(),
            r.field.as_deref().unwrap_or(""),
            r.value.as_deref().unwrap_or(""),
            r.reason.as_str(),
            disposition,
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// Writes the 施設基準 join report, one row per 施設基準 facility (UTF-8 with BOM, for Excel): its
/// number, name, address, phone and tracked filings; its kind with the evidence and any conflict;
/// what became of it (joined, merged, added, skipped, dropped) onto which facility by what
/// evidence; a match refused for its kind; and for an added facility its two nearest hospitals or
/// clinics with distance and why each was refused.
pub fn write_join_csv(path: &Path, report: &ImportReport) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    file.write_all(b"\xEF\xBB\xBF")?;
    let mut writer = csv::Writer::from_writer(file);
    let mut header: Vec<String> = [
        "outcome",
        "code",
        "line",
        "name",
        "address",
        "phone",
        "tracked_filings",
        "kind",
        "kind_basis",
        "kind_because",
        "kind_conflicts",
        "facility_id",
        "facility_name",
        "evidence",
        "kind_refusal",
    ]
    .map(str::to_owned)
    .to_vec();
    for n in 1..=2 {
        for field in ["id", "name", "kind", "distance_m", "refused_because"] {
            header.push(format!("nearest{n}_{field}"));
        }
    }
    writer.write_record(&header)?;
    for e in &report.kijun_join {
        let mut row: Vec<String> = vec![
            e.outcome.as_str().to_owned(),
            e.code.clone(),
            e.line.to_string(),
            e.name.clone(),
            e.address.clone(),
            e.phone.clone().unwrap_or_default(),
            e.filings.join(" "),
            e.kind.kind.as_str().to_owned(),
            e.kind.basis.as_str().to_owned(),
            e.kind.because.clone(),
            e.kind.conflicts.join("; "),
            e.facility_id.clone().unwrap_or_default(),
            e.facility_name.clone().unwrap_or_default(),
            e.evidence.clone(),
            e.kind_refusal.clone().unwrap_or_default(),
        ];
        for n in 0..2 {
            match e.nearest.get(n) {
                Some(c) => row.extend([
                    c.id.clone(),
                    c.name.clone(),
                    c.kind.as_str().to_owned(),
                    format!("{:.0}", c.distance_m),
                    c.refused_because.clone(),
                ]),
                None => row.extend(std::iter::repeat_n(String::new(), 5)),
            }
        }
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}
