//! The processed file of a validated CSV upload: the same rows as Parquet, each column
//! typed as mlgraph's deduction says (`integer` → Int64, `float` → Float64, `boolean`
//! → Boolean, `date` → Date32, `datetime` → Timestamp(µs, UTC), the rest UTF-8). Missing
//! values, and values that do not parse as their column's type, are written null.
//!
//! One streaming pass, off the async runtime: [`BATCH`] rows are read as text, each
//! column cast to its type in one go (Arrow's casts), and handed to the Parquet writer,
//! which closes a row group every [`ROW_GROUP`] rows; memory is bounded by one row group
//! whatever the file's size.

use std::io::Read;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::profile::is_missing;

/// Rows read and cast at a time.
pub const BATCH: usize = 16 * 1024;
/// Rows per row group of the written file.
pub const ROW_GROUP: usize = 128 * 1024;

/// The Arrow type written for a deduced type.
fn arrow_type(deduced: &str) -> DataType {
    match deduced {
        "integer" => DataType::Int64,
        "float" => DataType::Float64,
        "boolean" => DataType::Boolean,
        "date" => DataType::Date32,
        "datetime" => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        _ => DataType::Utf8,
    }
}

/// Rewrites the CSV `input` (header first, already validated) as Parquet into `out`,
/// columns named `columns` and typed as `types` say. Answers the rows written.
pub fn csv_to_parquet(
    input: impl Read,
    columns: &[String],
    types: &[&str],
    out: std::fs::File,
) -> Result<u64, String> {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .zip(types)
            .map(|(name, t)| Field::new(name, arrow_type(t), true))
            .collect::<Vec<_>>(),
    ));
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .set_created_by(format!("mlgraph {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(props))
        .map_err(|e| format!("the Parquet writer: {e}"))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let cast = arrow_cast::CastOptions {
        safe: true,
        ..Default::default()
    };
    let k = columns.len();
    // `finish` empties a builder for the next batch.
    let mut text: Vec<StringBuilder> = (0..k)
        .map(|_| StringBuilder::with_capacity(BATCH, BATCH * 8))
        .collect();
    let mut pending = 0usize;
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    let flush = |text: &mut [StringBuilder],
                 writer: &mut ArrowWriter<std::fs::File>|
     -> Result<(), String> {
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(k);
        for (values, field) in text.iter_mut().zip(schema.fields()) {
            let strings: ArrayRef = Arc::new(values.finish());
            let array = if field.data_type() == &DataType::Utf8 {
                strings
            } else {
                arrow_cast::cast_with_options(&strings, field.data_type(), &cast)
                    .map_err(|e| format!("column `{}`: {e}", field.name()))?
            };
            arrays.push(array);
        }
        let batch = RecordBatch::try_new(schema.clone(), arrays)
            .map_err(|e| format!("a batch of rows: {e}"))?;
        writer
            .write(&batch)
            .map_err(|e| format!("writing Parquet: {e}"))
    };
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                rows += 1;
                for (builder, raw) in text.iter_mut().zip(record.iter()) {
                    builder.append_option((!is_missing(raw)).then(|| raw.trim()));
                }
                pending += 1;
                if pending >= BATCH {
                    flush(&mut text, &mut writer)?;
                    pending = 0;
                }
            }
            Err(e) => return Err(format!("row {}: {e}", rows + 1)),
        }
    }
    if pending > 0 {
        flush(&mut text, &mut writer)?;
    }
    writer
        .close()
        .map_err(|e| format!("closing the Parquet file: {e}"))?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, BooleanArray, Date32Array, Float64Array, Int64Array};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    #[test]
    fn a_csv_becomes_typed_parquet_with_nulls_for_missing_and_unparsable_values() {
        let csv =
            "id,amount,ok,day,note\n1,10.5,true,2026-01-01,a\n2,,no,2026-01-02,\n3,x,yes,bad,c\n";
        let dir = std::env::temp_dir().join(format!("mlgraph-convert-{}", uuid::Uuid::now_v7()));
        let file = std::fs::File::create(&dir).unwrap_or_else(|e| panic!("{e}"));
        let columns: Vec<String> = ["id", "amount", "ok", "day", "note"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let rows = csv_to_parquet(
            csv.as_bytes(),
            &columns,
            &["integer", "float", "boolean", "date", "string"],
            file,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows, 3);
        let read = ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(&dir).unwrap_or_else(|e| panic!("{e}")),
        )
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));
        let batches: Vec<RecordBatch> = read.map(|b| b.unwrap_or_else(|e| panic!("{e}"))).collect();
        std::fs::remove_file(&dir).ok();
        assert_eq!(batches.len(), 1);
        let b = &batches[0];
        let ids = b.column(0).as_any().downcast_ref::<Int64Array>();
        assert_eq!(ids.map(|a| a.values().to_vec()), Some(vec![1, 2, 3]));
        let amounts = b.column(1).as_any().downcast_ref::<Float64Array>();
        assert_eq!(
            amounts.map(|a| a.iter().collect::<Vec<_>>()),
            Some(vec![Some(10.5), None, None])
        );
        let oks = b.column(2).as_any().downcast_ref::<BooleanArray>();
        assert_eq!(
            oks.map(|a| a.iter().collect::<Vec<_>>()),
            Some(vec![Some(true), Some(false), Some(true)])
        );
        let days = b.column(3).as_any().downcast_ref::<Date32Array>();
        assert_eq!(days.map(|a| a.null_count()), Some(1));
        assert_eq!(b.column(4).null_count(), 1);
        assert_eq!(b.schema().field(3).data_type(), &DataType::Date32);
    }
}
