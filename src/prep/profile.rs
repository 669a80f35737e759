//! One streaming pass over a CSV or Parquet file: validation (every CSV row as wide as the
//! header, errors with their row numbers), the schema mlgraph proposes (a type per column:
//! inferred from the text of CSV values, declared by a Parquet file's schema where it types
//! the column) and the exploratory report (per-column statistics, numeric correlations).
//!
//! Memory is bounded whatever the file's size: per column a capped table of distinct
//! values, a reservoir sample of [`SAMPLE`] values for quantiles and histograms, and
//! running sums; per pair of the first [`MAX_CORRELATED`] columns the sums of a Pearson
//! correlation.

use std::collections::HashMap;
use std::io::Read;

use serde_json::{Value, json};

/// The version of mlgraph's own schema inference, as `agentVersion`.
pub const AGENT_VERSION: &str = "mlgraph-infer/1";
/// The version of the report's format.
pub const REPORT_VERSION: &str = "1";
/// Errors kept (the count goes on).
pub const MAX_ERRORS: usize = 100;
/// Distinct values counted per column (beyond: `distinctCapped`).
pub const MAX_DISTINCT: usize = 10_000;
/// Values sampled per column for quantiles and histograms.
pub const SAMPLE: usize = 1_000;
/// Histogram bins.
const BINS: usize = 10;
/// Correlations are computed among the first this many columns (the pairs grow with the
/// square of the columns).
pub const MAX_CORRELATED: usize = 50;

pub(crate) fn is_missing(v: &str) -> bool {
    let t = v.trim();
    t.is_empty()
        || ["na", "n/a", "nan", "null", "none"]
            .iter()
            .any(|m| t.eq_ignore_ascii_case(m))
}

fn is_bool(v: &str) -> bool {
    ["true", "false", "yes", "no"]
        .iter()
        .any(|b| v.eq_ignore_ascii_case(b))
}

fn is_date(v: &str) -> bool {
    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
}

fn is_datetime(v: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(v).is_ok()
        || chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S").is_ok()
        || chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S").is_ok()
}

/// A small deterministic generator for the reservoir (no global state, same result for
/// the same file).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[derive(Default)]
struct Column {
    name: String,
    /// The type a Parquet schema declares (none for text and for CSV files).
    declared: Option<&'static str>,
    present: u64,
    missing: u64,
    ints: u64,
    floats: u64,
    bools: u64,
    dates: u64,
    datetimes: u64,
    distinct: HashMap<String, u64>,
    distinct_capped: bool,
    samples: Vec<String>,
    // Numeric values (those that parse as numbers): Welford's running moments.
    n: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
    reservoir: Vec<f64>,
}

impl Column {
    fn add(&mut self, raw: &str, rng: &mut SplitMix) -> Option<f64> {
        if is_missing(raw) {
            self.missing += 1;
            return None;
        }
        let v = raw.trim();
        self.present += 1;
        if self.samples.len() < 5 && !self.samples.iter().any(|s| s == v) {
            self.samples.push(v.to_owned());
        }
        if let Some(c) = self.distinct.get_mut(v) {
            *c += 1;
        } else if self.distinct.len() < MAX_DISTINCT {
            self.distinct.insert(v.to_owned(), 1);
        } else {
            self.distinct_capped = true;
        }
        let number = if v.parse::<i64>().is_ok() {
            self.ints += 1;
            v.parse::<f64>().ok()
        } else {
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    self.floats += 1;
                    Some(x)
                }
                _ => None,
            }
        };
        if is_bool(v) {
            self.bools += 1;
        }
        if is_date(v) {
            self.dates += 1;
        } else if is_datetime(v) {
            self.datetimes += 1;
        }
        let x = number?;
        self.n += 1;
        if self.n == 1 {
            (self.min, self.max) = (x, x);
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
        if self.reservoir.len() < SAMPLE {
            self.reservoir.push(x);
        } else {
            let j = rng.next() % self.n;
            if (j as usize) < SAMPLE {
                self.reservoir[j as usize] = x;
            }
        }
        Some(x)
    }

    /// The inferred type and the share of present values that have it.
    fn dtype(&self) -> (&'static str, f64) {
        if let Some(t) = self.declared {
            return (t, 1.0);
        }
        let p = self.present;
        if p == 0 {
            return ("string", 0.0);
        }
        let share = |k: u64| k as f64 / p as f64;
        let numeric = self.ints + self.floats;
        let candidates = [
            ("integer", self.ints),
            ("float", numeric),
            ("boolean", self.bools),
            ("date", self.dates),
            ("datetime", self.dates + self.datetimes),
        ];
        // The first type every value has; else the most common one if most values have
        // it (the rest being errors of the data), else text.
        if let Some((t, _)) = candidates.iter().find(|(_, k)| *k == p) {
            return (*t, 1.0);
        }
        let (t, k) = candidates
            .iter()
            .copied()
            .max_by_key(|(_, k)| *k)
            .unwrap_or(("string", 0));
        if share(k) >= 0.95 {
            return (t, share(k));
        }
        let categorical = !self.distinct_capped
            && self.distinct.len() <= 50
            && (self.distinct.len() as f64) <= 0.5 * p as f64;
        if categorical {
            ("categorical", 1.0)
        } else {
            ("string", 1.0)
        }
    }
}

/// A row-numbered problem of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    /// The data row (1 for the first row after the header), or 0 for the header.
    pub row: u64,
    /// What is wrong.
    pub message: String,
}

/// What one pass found.
pub struct Profile {
    /// Data rows (the header not counted).
    pub rows: u64,
    /// Column names, in order.
    pub columns: Vec<String>,
    /// The first [`MAX_ERRORS`] problems.
    pub errors: Vec<RowError>,
    /// How many problems in all.
    pub error_count: u64,
    cols: Vec<Column>,
    pairs: Vec<[f64; 6]>,
    rng: SplitMix,
    numbers: Vec<Option<f64>>,
}

fn pair_index(k: usize, i: usize, j: usize) -> usize {
    // (i, j) with i < j, row-major over the upper triangle.
    i * k - i * (i + 1) / 2 + (j - i - 1)
}

impl Profile {
    fn empty() -> Profile {
        Profile {
            rows: 0,
            columns: Vec::new(),
            errors: Vec::new(),
            error_count: 0,
            cols: Vec::new(),
            pairs: Vec::new(),
            rng: SplitMix(0x5EED),
            numbers: Vec::new(),
        }
    }

    /// Names the columns (each once, none empty: else header errors, row 0).
    fn start(&mut self, columns: Vec<String>) {
        let mut seen = std::collections::HashSet::new();
        for (i, c) in columns.iter().enumerate() {
            if c.is_empty() {
                self.fail(0, format!("column {} has no name", i + 1));
            } else if !seen.insert(c.as_str()) {
                self.fail(0, format!("column name `{c}` appears twice"));
            }
        }
        let k = columns.len();
        self.cols = columns
            .iter()
            .map(|n| Column {
                name: n.clone(),
                ..Column::default()
            })
            .collect();
        self.columns = columns;
        let kc = k.min(MAX_CORRELATED);
        self.pairs = vec![[0.0; 6]; kc * kc.saturating_sub(1) / 2];
        self.numbers = vec![None; k];
    }

    /// Counts one row of values (as text; missing ones empty), in column order.
    fn push_row<'a>(&mut self, values: impl Iterator<Item = &'a str>) {
        self.rows += 1;
        for (c, (col, raw)) in self.cols.iter_mut().zip(values).enumerate() {
            self.numbers[c] = col.add(raw, &mut self.rng);
        }
        let kc = self.cols.len().min(MAX_CORRELATED);
        for (i, x) in self.numbers.iter().enumerate().take(kc) {
            let Some(x) = *x else { continue };
            for (j, y) in self.numbers.iter().enumerate().take(kc).skip(i + 1) {
                let Some(y) = *y else { continue };
                let s = &mut self.pairs[pair_index(kc, i, j)];
                s[0] += 1.0;
                s[1] += x;
                s[2] += y;
                s[3] += x * x;
                s[4] += y * y;
                s[5] += x * y;
            }
        }
    }
}

/// Reads a CSV file (header row first) in one pass.
pub fn profile(input: impl Read) -> Profile {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let mut out = Profile::empty();
    match reader.headers() {
        Ok(h) if !(h.is_empty() || (h.len() == 1 && h[0].trim().is_empty())) => {
            out.start(h.iter().map(|c| c.trim().to_owned()).collect());
        }
        Ok(_) => {
            out.fail(0, "the file is empty: a header row is needed".into());
            return out;
        }
        Err(e) => {
            out.fail(0, format!("the header cannot be read: {e}"));
            return out;
        }
    }
    let k = out.columns.len();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => out.push_row(record.iter()),
            Err(e) => {
                out.rows += 1;
                let row = out.rows;
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths { len, .. } => format!(
                        "{len} fields where the header has {k}{}",
                        e.position()
                            .map(|p| format!(" (line {})", p.line()))
                            .unwrap_or_default()
                    ),
                    csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
                    _ => e.to_string(),
                };
                out.fail(row, message);
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
            }
        }
    }
    out
}

/// The type a Parquet (Arrow) column declares, in the names of [`Profile::deduction`];
/// none for text and nested values (their type is inferred from the values).
fn declared_type(t: &arrow_schema::DataType) -> Option<&'static str> {
    use arrow_schema::DataType as D;
    Some(match t {
        D::Int8 | D::Int16 | D::Int32 | D::Int64 | D::UInt8 | D::UInt16 | D::UInt32 | D::UInt64 => {
            "integer"
        }
        D::Float16
        | D::Float32
        | D::Float64
        | D::Decimal32(..)
        | D::Decimal64(..)
        | D::Decimal128(..)
        | D::Decimal256(..) => "float",
        D::Boolean => "boolean",
        D::Date32 | D::Date64 => "date",
        D::Timestamp(..) => "datetime",
        D::Dictionary(_, v) => {
            return declared_type(v).or_else(|| {
                matches!(**v, D::Utf8 | D::LargeUtf8 | D::Utf8View).then_some("categorical")
            });
        }
        _ => return None,
    })
}

/// Rows decoded at a time from a Parquet file (memory: one batch of every column).
const PARQUET_BATCH: usize = 8 * 1024;

/// Reads a Parquet file in one pass, a batch of rows at a time: its schema names the
/// columns (and types those it types); a file that is not Parquet, or a row group that
/// cannot be decoded, is an error (row 0, or the first row it would have held).
pub fn profile_parquet(file: std::fs::File) -> Profile {
    use arrow_array::Array;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use std::fmt::Write;
    let mut out = Profile::empty();
    let builder = match ParquetRecordBatchReaderBuilder::try_new(file) {
        Ok(b) => b,
        Err(e) => {
            out.fail(0, format!("not a readable Parquet file: {e}"));
            return out;
        }
    };
    let schema = builder.schema().clone();
    if schema.fields().is_empty() {
        out.fail(0, "the file has no columns".into());
        return out;
    }
    out.start(schema.fields().iter().map(|f| f.name().clone()).collect());
    for (c, f) in out.cols.iter_mut().zip(schema.fields()) {
        c.declared = declared_type(f.data_type());
    }
    let reader = match builder.with_batch_size(PARQUET_BATCH).build() {
        Ok(r) => r,
        Err(e) => {
            out.fail(0, format!("the file cannot be read: {e}"));
            return out;
        }
    };
    let options = arrow_cast::display::FormatOptions::default();
    let mut row = vec![String::new(); out.columns.len()];
    for batch in reader {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                let at = out.rows + 1;
                out.fail(at, format!("rows from here on cannot be decoded: {e}"));
                break;
            }
        };
        let formatters: Result<Vec<_>, _> = batch
            .columns()
            .iter()
            .map(|a| arrow_cast::display::ArrayFormatter::try_new(a.as_ref(), &options))
            .collect();
        let formatters = match formatters {
            Ok(f) => f,
            Err(e) => {
                out.fail(0, format!("a column cannot be read as values: {e}"));
                break;
            }
        };
        for r in 0..batch.num_rows() {
            for (c, f) in formatters.iter().enumerate() {
                row[c].clear();
                if batch.column(c).is_valid(r) {
                    // Writing into a String cannot fail; a value the formatter cannot
                    // show is left missing.
                    if write!(row[c], "{}", f.value(r)).is_err() {
                        row[c].clear();
                    }
                }
            }
            out.push_row(row.iter().map(String::as_str));
        }
    }
    out
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    crate::core::math::percentile(sorted, q)
}

impl Profile {
    fn fail(&mut self, row: u64, message: String) {
        self.error_count += 1;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(RowError { row, message });
        }
    }

    /// Each column's deduced type, in column order (the names of [`Profile::deduction`]).
    pub fn column_types(&self) -> Vec<&'static str> {
        self.cols.iter().map(|c| c.dtype().0).collect()
    }

    /// Whether the file is valid (no problem found).
    pub fn valid(&self) -> bool {
        self.error_count == 0
    }

    /// The problems as stored in `validationErrors`.
    pub fn errors_json(&self) -> Value {
        json!({
            "count": self.error_count,
            "errors": self.errors.iter().map(|e| json!({"row": e.row, "message": e.message})).collect::<Vec<_>>(),
        })
    }

    /// The proposed schema, the column metadata and the overall confidence.
    pub fn deduction(&self) -> (Value, Value, f64) {
        let mut columns = Vec::new();
        let mut meta = serde_json::Map::new();
        let mut total = 0.0;
        for c in &self.cols {
            let (t, confidence) = c.dtype();
            total += confidence;
            let format = match t {
                "date" => Some("%Y-%m-%d"),
                "datetime" => Some("RFC 3339"),
                _ => None,
            };
            columns.push(json!({
                "name": c.name, "type": t, "nullable": c.missing > 0, "format": format,
            }));
            meta.insert(
                c.name.clone(),
                json!({"sampleValues": c.samples, "confidence": confidence}),
            );
        }
        let overall = if self.cols.is_empty() {
            0.0
        } else {
            total / self.cols.len() as f64
        };
        (json!({ "columns": columns }), Value::Object(meta), overall)
    }

    /// The report's summary (always stored in the database) and the full report.
    pub fn report(&self) -> (Value, Value) {
        let rows = self.rows.max(1) as f64;
        let mut missing = serde_json::Map::new();
        let mut dtypes = serde_json::Map::new();
        let mut stats = Vec::new();
        for c in &self.cols {
            let (t, _) = c.dtype();
            let pct = 100.0 * c.missing as f64 / rows;
            missing.insert(c.name.clone(), json!(pct));
            dtypes.insert(c.name.clone(), json!(t));
            let mut top: Vec<(&String, &u64)> = c.distinct.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            let mut col = json!({
                "name": c.name, "dtype": t, "count": c.present, "missing": c.missing,
                "missingPct": pct, "distinct": c.distinct.len(), "distinctCapped": c.distinct_capped,
                "top": top.iter().take(5).map(|(v, n)| json!({"value": v, "count": n})).collect::<Vec<_>>(),
            });
            if matches!(t, "integer" | "float") && c.n > 0 {
                let mut s = c.reservoir.clone();
                s.sort_by(f64::total_cmp);
                let width = (c.max - c.min) / BINS as f64;
                let mut counts = [0u64; BINS];
                for x in &s {
                    let b = if width > 0.0 {
                        (((x - c.min) / width) as usize).min(BINS - 1)
                    } else {
                        0
                    };
                    counts[b] += 1;
                }
                let std = if c.n > 1 {
                    (c.m2 / (c.n - 1) as f64).sqrt()
                } else {
                    0.0
                };
                col["numeric"] = json!({
                    "min": c.min, "max": c.max, "mean": c.mean, "std": std,
                    "p25": quantile(&s, 0.25), "p50": quantile(&s, 0.5), "p75": quantile(&s, 0.75),
                    "exactQuantiles": c.n as usize <= SAMPLE,
                    "histogram": {
                        "edges": (0..=BINS).map(|b| c.min + width * b as f64).collect::<Vec<_>>(),
                        "counts": counts.to_vec(),
                        "sampled": c.n as usize > SAMPLE,
                    },
                });
            }
            stats.push(col);
        }
        let k = self.cols.len();
        let numeric: Vec<bool> = self
            .cols
            .iter()
            .map(|c| matches!(c.dtype().0, "integer" | "float"))
            .collect();
        let mut correlations = Vec::new();
        let kc = k.min(MAX_CORRELATED);
        for i in 0..kc {
            for j in i + 1..kc {
                if !(numeric[i] && numeric[j]) {
                    continue;
                }
                let [n, sx, sy, sxx, syy, sxy] = self.pairs[pair_index(kc, i, j)];
                let vx = n * sxx - sx * sx;
                let vy = n * syy - sy * sy;
                if n < 2.0 || vx <= 0.0 || vy <= 0.0 {
                    continue;
                }
                let r = (n * sxy - sx * sy) / (vx.sqrt() * vy.sqrt());
                correlations.push(json!({"a": self.cols[i].name, "b": self.cols[j].name, "r": r.clamp(-1.0, 1.0)}));
            }
        }
        let summary = json!({
            "rows": self.rows, "columns": k, "missingPct": missing, "dtypes": dtypes,
        });
        let full = json!({
            "reportVersion": REPORT_VERSION, "rows": self.rows, "columns": k,
            "columnStats": stats, "correlations": correlations,
        });
        (summary, full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_file_is_counted_typed_and_described() {
        let csv = "id,amount,country,is_fraud,day\n\
                   1,10.5,DE,true,2026-01-01\n\
                   2,20,FR,false,2026-01-02\n\
                   3,,DE,no,2026-01-03\n\
                   4,40,DE,yes,2026-01-04\n";
        let p = profile(csv.as_bytes());
        assert!(p.valid(), "{:?}", p.errors);
        assert_eq!(p.rows, 4);
        assert_eq!(p.columns, ["id", "amount", "country", "is_fraud", "day"]);
        let (schema, meta, confidence) = p.deduction();
        let types: Vec<&str> = schema["columns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["type"].as_str())
            .collect();
        assert_eq!(
            types,
            ["integer", "float", "categorical", "boolean", "date"]
        );
        assert_eq!(schema["columns"][1]["nullable"], true);
        assert_eq!(meta["country"]["sampleValues"], json!(["DE", "FR"]));
        assert!((confidence - 1.0).abs() < 1e-12);
        let (summary, full) = p.report();
        assert_eq!(summary["missingPct"]["amount"], json!(25.0));
        let amount = &full["columnStats"][1]["numeric"];
        assert_eq!(amount["min"], json!(10.5));
        assert_eq!(amount["max"], json!(40.0));
        assert!((amount["mean"].as_f64().unwrap_or_default() - 70.5 / 3.0).abs() < 1e-9);
        assert_eq!(
            full["columnStats"][2]["top"][0],
            json!({"value": "DE", "count": 3})
        );
        let r = full["correlations"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["a"] == "id" && c["b"] == "amount")
            .and_then(|c| c["r"].as_f64())
            .unwrap_or_default();
        // id and amount over the three rows with both: (1, 10.5), (2, 20), (4, 40).
        assert!(r > 0.99, "{r}");
    }

    #[test]
    fn ragged_rows_are_errors_with_their_numbers() {
        let p = profile("a,b\n1,2\n3\n4,5,6\n7,8\n".as_bytes());
        assert!(!p.valid());
        assert_eq!(p.rows, 4);
        assert_eq!(p.error_count, 2);
        assert_eq!(p.errors[0].row, 2);
        assert_eq!(
            p.errors[0].message,
            "1 fields where the header has 2 (line 3)"
        );
        assert_eq!(p.errors[1].row, 3);
        assert!(profile("".as_bytes()).errors[0].message.contains("empty"));
        assert!(
            profile("a,a\n1,2\n".as_bytes()).errors[0]
                .message
                .contains("twice")
        );
    }
}
