//! Reading official CSV files by column name, with line numbers for every row.
//!
//! Official files come as UTF-8 with a BOM (医療情報ネット, 介護サービス情報公表), plain UTF-8, or
//! CP932 (e-Stat downloads); all three are accepted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::IngestError;

/// Reads a text file as UTF-8 (a leading BOM is removed) or, when it is not valid UTF-8, as CP932
/// (Shift_JIS), the encoding of many Japanese government downloads.
pub fn decode_text(path: &Path) -> Result<String, IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
    decode_bytes(path, bytes)
}

fn decode_bytes(path: &Path, bytes: Vec<u8>) -> Result<String, IngestError> {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(err) if err.utf8_error().error_len().is_none() && err.utf8_error().valid_up_to() > 0 => {
            // Valid UTF-8 up to a character cut in half at the very end: the file was cut short.
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            Err(IngestError::Truncated {
                path: path.to_owned(),
                line,
                detail: "it ends in the middle of a UTF-8 character".into(),
            })
        }
        Err(err) => {
            let bytes = err.into_bytes();
            let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
            if had_errors {
                return Err(IngestError::Layout {
                    path: path.to_owned(),
                    message: "text is neither UTF-8 nor CP932 (Shift_JIS)".into(),
                });
            }
            Ok(text.into_owned())
        }
    }
}

/// One data row with its 1-based line number in the file.
#[derive(Debug, Clone)]
pub struct CsvRow {
    /// Line where the row starts.
    pub line: u64,
    fields: csv::StringRecord,
}

impl CsvRow {
    /// The trimmed value of column `index`, or "" when the row is short.
    pub fn get(&self, index: usize) -> &str {
        self.fields.get(index).map(str::trim).unwrap_or("")
    }

    /// The trimmed value of column `index`, or `None` when empty.
    pub fn non_empty(&self, index: usize) -> Option<&str> {
        Some(self.get(index)).filter(|s| !s.is_empty())
    }

    /// Number of fields in the row.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the row has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// A whole CSV file in memory, addressed by column name.
#[derive(Debug, Clone)]
pub struct CsvTable {
    path: PathBuf,
    header: Vec<String>,
    index: HashMap<String, usize>,
    /// Data rows in file order.
    pub rows: Vec<CsvRow>,
}

impl CsvTable {
    /// Reads a CSV file with a header row. Rows may have quoted fields spanning lines.
    pub fn open(path: &Path) -> Result<Self, IngestError> {
        let text = decode_text(path)?;
        Self::parse(path, &text)
    }

    /// Parses CSV text (for tests and for callers that decoded the file themselves).
    pub fn parse(path: &Path, text: &str) -> Result<Self, IngestError> {
        let mut reader =
            csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(path, 1, &e))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        let index = header.iter().enumerate().map(|(i, h)| (h.clone(), i)).collect();
        let mut rows = Vec::new();
        let lines = LineIndex::new(text);
        let mut record = csv::StringRecord::new();
        loop {
            let line = reader.position().line();
            match reader.read_record(&mut record) {
                Ok(true) => {
                    // Skip blank lines that some exports end with.
                    if record.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    let line = match record.position() {
                        Some(p) => lines.line_of(p.byte() as usize),
                        None => line,
                    };
                    rows.push(CsvRow { line, fields: record.clone() });
                }
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(line);
                    return Err(csv_error(path, line, &e));
                }
            }
        }
        check_complete(path, text, header.len(), rows.last())?;
        Ok(CsvTable { path: path.to_owned(), header, index, rows })
    }

    /// The file this table was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The header names.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The index of a required column.
    pub fn column(&self, name: &str) -> Result<usize, IngestError> {
        self.index.get(name).copied().ok_or_else(|| IngestError::MissingColumn {
            path: self.path.clone(),
            column: name.to_owned(),
            header: self.header.join(","),
        })
    }

    /// The index of the first present column among alternative names (layouts differ by release).
    pub fn column_any(&self, names: &[&str]) -> Result<usize, IngestError> {
        names.iter().find_map(|n| self.index.get(*n).copied()).ok_or_else(|| IngestError::MissingColumn {
            path: self.path.clone(),
            column: names.join(" | "),
            header: self.header.join(","),
        })
    }

    /// The index of an optional column.
    pub fn optional_column(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

/// Refuses a file cut short: a quoted field still open at the end (the quotes of a complete CSV
/// pair up), or a last row with fewer fields than the header and no line break after it. A file
/// without a final line break whose last row is whole is complete.
fn check_complete(path: &Path, text: &str, columns: usize, last: Option<&CsvRow>) -> Result<(), IngestError> {
    let Some(last) = last else { return Ok(()) };
    let truncated =
        |detail: String| IngestError::Truncated { path: path.to_owned(), line: last.line, detail };
    if text.bytes().filter(|&b| b == b'"').count() % 2 == 1 {
        return Err(truncated("a quoted field is still open at the end of the file".into()));
    }
    if !text.ends_with('\n') && last.len() < columns {
        return Err(truncated(format!(
            "the last row has {} of the header's {columns} fields and no line break after it",
            last.len()
        )));
    }
    Ok(())
}

/// Maps byte offsets to 1-based line numbers. The csv reader reports a record's start before the
/// blank lines it skipped, so the offset is first moved past line breaks.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        LineIndex { text, starts }
    }

    fn line_of(&self, byte: usize) -> u64 {
        let skipped =
            self.text.get(byte..).map_or(0, |rest| rest.len() - rest.trim_start_matches(['\r', '\n']).len());
        let byte = byte + skipped;
        self.starts.partition_point(|&s| s <= byte) as u64
    }
}

fn csv_error(path: &Path, line: u64, err: &csv::Error) -> IngestError {
    IngestError::Csv { path: path.to_owned(), line, message: err.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bom_and_reads_by_name_with_lines() {
        let text = "\u{feff}\"ID\",\"名称\"\n\"1\",\"a\"\n\n\"2\",\"b\nc\"\n\"3\",\"d\"\n";
        let bytes = text.as_bytes().to_vec();
        let decoded = decode_bytes(Path::new("t.csv"), bytes).unwrap();
        let table = CsvTable::parse(Path::new("t.csv"), &decoded).unwrap();
        assert_eq!(table.header(), ["ID", "名称"]);
        let name = table.column("名称").unwrap();
        let lines: Vec<u64> = table.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 4, 6], "multi-line field keeps the next row's line right");
        assert_eq!(table.rows[1].get(name), "b\nc");
    }

    #[test]
    fn missing_column_names_file_and_column() {
        let table = CsvTable::parse(Path::new("x.csv"), "a,b\n1,2\n").unwrap();
        let err = table.column("所在地").unwrap_err().to_string();
        assert!(err.contains("x.csv") && err.contains("所在地"), "{err}");
    }

    #[test]
    fn decodes_cp932() {
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("人口,総数\n1,2\n");
        let text = decode_bytes(Path::new("m.csv"), bytes.into_owned()).unwrap();
        assert!(text.starts_with("人口"));
    }

    mod truncated_files {
        use super::*;

        fn truncation(text: &str) -> Option<(u64, String)> {
            match CsvTable::parse(Path::new("q.csv"), text) {
                Err(IngestError::Truncated { line, detail, .. }) => Some((line, detail)),
                Err(other) => panic!("expected a truncation, got {other}"),
                Ok(_) => None,
            }
        }

        #[test]
        fn an_open_quote_at_the_end_names_the_row_it_cuts() {
            let (line, detail) = truncation("a,b\n1,2\n3,\"4\n").expect("truncated");
            assert_eq!(line, 3);
            assert!(detail.contains("quoted field"), "{detail}");
            let message = CsvTable::parse(Path::new("q.csv"), "a,b\n1,2\n3,\"4").unwrap_err().to_string();
            assert!(message.contains("q.csv:3") && message.contains("truncated"), "{message}");
        }

        #[test]
        fn a_short_last_row_without_a_line_break_is_cut() {
            let (line, detail) = truncation("a,b,c\n1,2,3\n4,5").expect("truncated");
            assert_eq!(line, 3);
            assert!(detail.contains("2 of the header's 3 fields"), "{detail}");
        }

        #[test]
        fn complete_files_pass_with_or_without_a_final_line_break() {
            assert_eq!(truncation("a,b\n1,2\n"), None);
            assert_eq!(truncation("a,b\n1,2"), None, "a whole last row needs no line break");
            assert_eq!(truncation("a,b\n1,\"x \"\"quoted\"\" y\"\n"), None, "escaped quotes pair up");
            assert_eq!(
                truncation("a,b\n1\n2,3\n"),
                None,
                "a short row inside the file is the reader's business"
            );
            assert_eq!(truncation("a,b\n"), None);
        }

        #[test]
        fn a_character_cut_in_half_at_the_end_is_a_truncation() {
            let mut bytes = "名称,住所\n病院,熊本".as_bytes().to_vec();
            bytes.pop();
            match decode_bytes(Path::new("cut.csv"), bytes) {
                Err(IngestError::Truncated { line, .. }) => assert_eq!(line, 2),
                other => panic!("expected a truncation, got {other:?}"),
            }
        }
    }
}
