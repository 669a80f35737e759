//! A run as MLflow answers it, written straight from its row. The row's JSON columns
//! (params, metrics, tags) are read as their text and decoded only into borrowed
//! `(key, raw value)` pairs; the answer is serialized from them with no tree per run in
//! between. A page of 1,000 runs was three trees deep (the columns decoded, the answer
//! built, then serialized); now it is one pass over the text.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use entity::enums::JobRunState;
use entity::job_run;
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{FromQueryResult, QuerySelect, Select};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use uuid::Uuid;

use super::{hex, ms, run_status};

/// The columns of a run MLflow's answer reads, its JSON objects as text.
#[derive(Debug, FromQueryResult)]
pub(super) struct RunRow {
    pub id: Uuid,
    pub experiment_id: Option<Uuid>,
    pub name: String,
    pub state: JobRunState,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_by: Option<String>,
    pub params: String,
    pub metrics: String,
    pub tags: String,
}

impl RunRow {
    /// `select` narrowed to the columns of a `RunRow`.
    pub fn narrow(select: Select<job_run::Entity>) -> Select<job_run::Entity> {
        use job_run::Column as C;
        let text = |c: C| Expr::col((job_run::Entity, c)).cast_as(Alias::new("text"));
        select
            .select_only()
            .columns([
                C::Id,
                C::ExperimentId,
                C::Name,
                C::State,
                C::StartedAt,
                C::EndedAt,
                C::DeletedAt,
                C::CreatedBy,
            ])
            .expr_as(text(C::Params), "params")
            .expr_as(text(C::Metrics), "metrics")
            .expr_as(text(C::Tags), "tags")
    }

    /// The row of a run already read whole.
    pub fn of(r: &job_run::Model) -> Self {
        Self {
            id: r.id,
            experiment_id: r.experiment_id,
            name: r.name.clone(),
            state: r.state,
            started_at: r.started_at,
            ended_at: r.ended_at,
            deleted_at: r.deleted_at,
            created_by: r.created_by.clone(),
            params: r.params.to_string(),
            metrics: r.metrics.to_string(),
            tags: r.tags.to_string(),
        }
    }
}

/// A run with its logged inputs and models, serialized as MLflow's `Run`.
pub(super) struct RunView<'a> {
    pub row: &'a RunRow,
    pub inputs: &'a [Value],
    pub outputs: &'a [Value],
}

/// A map key, borrowed from the text unless it had escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A JSON object's entries in their order, each value as its text.
struct Entries<'a>(Vec<(Key<'a>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Entries<'de>, A::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(8));
                while let Some(e) = m.next_entry()? {
                    out.push(e);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// The entries of an object column (none when the column holds something else).
fn entries(text: &str) -> Vec<(Key<'_>, &RawValue)> {
    serde_json::from_str::<Entries>(text)
        .map(|e| e.0)
        .unwrap_or_default()
}

/// A metric's latest value as stored: `{value, timestamp, step}`.
#[derive(Deserialize, Default)]
struct Latest<'a> {
    #[serde(borrow)]
    value: Option<&'a RawValue>,
    #[serde(borrow)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow)]
    step: Option<&'a RawValue>,
}

/// A raw value, `null` when absent.
struct OrNull<'a>(Option<&'a RawValue>);

impl Serialize for OrNull<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            // A JSON `null` inside the column reads back as `None` too.
            Some(v) => v.serialize(s),
            None => s.serialize_unit(),
        }
    }
}

/// A tag's value as MLflow's string: a string as it is, anything else as its JSON.
struct TagValue<'a>(&'a RawValue);

impl Serialize for TagValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.get().starts_with('"') {
            self.0.serialize(s)
        } else {
            let compact = serde_json::from_str::<Value>(self.0.get())
                .map(|v| v.to_string())
                .unwrap_or_else(|_| self.0.get().to_owned());
            s.serialize_str(&compact)
        }
    }
}

/// `[{key, value, timestamp, step}]`, `[{key, value}]` or tags' `[{key, value}]`.
struct List<'a> {
    entries: &'a [(Key<'a>, &'a RawValue)],
    kind: ListKind,
}

#[derive(Clone, Copy)]
enum ListKind {
    Metrics,
    Params,
    Tags,
}

impl Serialize for List<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let shown = |k: &Key| !matches!(self.kind, ListKind::Tags) || k.0 != "_mlflow";
        let mut seq = s.serialize_seq(None)?;
        for (k, v) in self.entries.iter().filter(|(k, _)| shown(k)) {
            match self.kind {
                ListKind::Metrics => {
                    let m: Latest = serde_json::from_str(v.get()).unwrap_or_default();
                    seq.serialize_element(&MetricOut {
                        key: &k.0,
                        value: OrNull(m.value),
                        timestamp: OrNull(m.timestamp),
                        step: OrNull(m.step),
                    })?;
                }
                ListKind::Params => seq.serialize_element(&Pair {
                    key: &k.0,
                    value: v,
                })?,
                ListKind::Tags => seq.serialize_element(&Pair {
                    key: &k.0,
                    value: TagValue(v),
                })?,
            }
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct MetricOut<'a> {
    key: &'a str,
    value: OrNull<'a>,
    timestamp: OrNull<'a>,
    step: OrNull<'a>,
}

#[derive(Serialize)]
struct Pair<'a, V: Serialize> {
    key: &'a str,
    value: V,
}

#[derive(Serialize)]
struct Info<'a> {
    run_id: &'a str,
    run_uuid: &'a str,
    run_name: &'a str,
    experiment_id: &'a str,
    user_id: &'a str,
    status: &'static str,
    start_time: Option<i64>,
    end_time: Option<i64>,
    artifact_uri: String,
    lifecycle_stage: &'static str,
}

#[derive(Serialize)]
struct Data<'a> {
    metrics: List<'a>,
    params: List<'a>,
    tags: List<'a>,
}

#[derive(Serialize)]
struct Inputs<'a> {
    dataset_inputs: &'a [Value],
}

#[derive(Serialize)]
struct Outputs<'a> {
    model_outputs: &'a [Value],
}

impl Serialize for RunView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.row;
        let exp = r.experiment_id.map(hex).unwrap_or_else(|| "0".into());
        let id = hex(r.id);
        let metrics = entries(&r.metrics);
        let params = entries(&r.params);
        let tags = entries(&r.tags);
        let user: Cow<str> = tags
            .iter()
            .find(|(k, _)| k.0 == "mlflow.user")
            .and_then(|(_, v)| serde_json::from_str::<Cow<str>>(v.get()).ok())
            .or_else(|| r.created_by.as_deref().map(Cow::Borrowed))
            .unwrap_or_default();
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry(
            "info",
            &Info {
                run_id: &id,
                run_uuid: &id,
                run_name: &r.name,
                experiment_id: &exp,
                user_id: &user,
                status: run_status(r.state),
                start_time: r.started_at.map(ms),
                end_time: r.ended_at.map(ms),
                artifact_uri: format!("mlflow-artifacts:/{exp}/{id}/artifacts"),
                lifecycle_stage: if r.deleted_at.is_some() {
                    "deleted"
                } else {
                    "active"
                },
            },
        )?;
        m.serialize_entry(
            "data",
            &Data {
                metrics: List {
                    entries: &metrics,
                    kind: ListKind::Metrics,
                },
                params: List {
                    entries: &params,
                    kind: ListKind::Params,
                },
                tags: List {
                    entries: &tags,
                    kind: ListKind::Tags,
                },
            },
        )?;
        m.serialize_entry(
            "inputs",
            &Inputs {
                dataset_inputs: self.inputs,
            },
        )?;
        m.serialize_entry(
            "outputs",
            &Outputs {
                model_outputs: self.outputs,
            },
        )?;
        m.end()
    }
}

/// `metrics/get-history`'s answer: `(value, timestamp, step)` points of one metric.
pub(super) struct History<'a> {
    pub key: &'a str,
    pub points: &'a [(f64, i64, i64)],
    pub next: Option<String>,
}

impl Serialize for History<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("metrics", &Points(self))?;
        if let Some(t) = &self.next {
            m.serialize_entry("next_page_token", t)?;
        }
        m.end()
    }
}

struct Points<'a>(&'a History<'a>);

impl Serialize for Points<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Point<'a> {
            key: &'a str,
            value: f64,
            timestamp: i64,
            step: i64,
        }
        let key = self.0.key;
        s.collect_seq(self.0.points.iter().map(|&(value, timestamp, step)| Point {
            key,
            value,
            timestamp,
            step,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(params: &str, metrics: &str, tags: &str) -> RunRow {
        RunRow {
            id: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
            experiment_id: None,
            name: "r\"1".into(),
            state: JobRunState::Completed,
            started_at: DateTime::from_timestamp_millis(1_700_000_000_123),
            ended_at: None,
            deleted_at: None,
            created_by: Some("creator".into()),
            params: params.into(),
            metrics: metrics.into(),
            tags: tags.into(),
        }
    }

    fn written(r: &RunRow) -> Value {
        let inputs = [json!({"dataset": {"name": "d"}})];
        let text = serde_json::to_string(&RunView {
            row: r,
            inputs: &inputs,
            outputs: &[],
        })
        .unwrap_or_default();
        serde_json::from_str(&text).unwrap_or_default()
    }

    #[test]
    fn a_run_is_written_in_mlflows_shape_in_the_columns_order() {
        // PostgreSQL's text of jsonb: spaces, keys by length; a key with an escape; a
        // metric with no step; a tag that is not a string; MLflow's hidden tag.
        let r = row(
            r#"{"b": "2", "a\"q": "1"}"#,
            r#"{"m1": {"value": 0.19225217199848266, "timestamp": 5}, "m0": {"step": 3, "value": 1e-300, "timestamp": 7}}"#,
            r#"{"n": {"x": 1}, "_mlflow": "hidden", "mlflow.user": "ann"}"#,
        );
        let v = written(&r);
        assert_eq!(
            v,
            json!({
                "info": {
                    "run_id": "0123456789abcdef0123456789abcdef",
                    "run_uuid": "0123456789abcdef0123456789abcdef",
                    "run_name": "r\"1", "experiment_id": "0", "user_id": "ann",
                    "status": "FINISHED", "start_time": 1_700_000_000_123i64, "end_time": null,
                    "artifact_uri": "mlflow-artifacts:/0/0123456789abcdef0123456789abcdef/artifacts",
                    "lifecycle_stage": "active",
                },
                "data": {
                    "metrics": [
                        {"key": "m1", "value": 0.19225217199848266, "timestamp": 5, "step": null},
                        {"key": "m0", "value": 1e-300, "timestamp": 7, "step": 3},
                    ],
                    "params": [{"key": "b", "value": "2"}, {"key": "a\"q", "value": "1"}],
                    "tags": [{"key": "n", "value": "{\"x\":1}"}, {"key": "mlflow.user", "value": "ann"}],
                },
                "inputs": {"dataset_inputs": [{"dataset": {"name": "d"}}]},
                "outputs": {"model_outputs": []},
            })
        );
        // serde_json's `Value` equality ignores key order: the written order is checked
        // on the keys' sequence.
        let keys: Vec<&str> = v["data"]["params"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["key"].as_str())
            .collect();
        assert_eq!(keys, ["b", "a\"q"]);
        let m1 = &v["data"]["metrics"][0]["value"];
        assert_eq!(
            m1.as_f64().map(f64::to_bits),
            Some(0.19225217199848266f64.to_bits())
        );
    }

    #[test]
    fn the_creator_is_the_user_without_a_user_tag_and_bad_columns_read_as_empty() {
        let v = written(&row("[1]", "not json", "{}"));
        assert_eq!(v["info"]["user_id"], "creator");
        assert_eq!(v["data"]["params"], json!([]));
        assert_eq!(v["data"]["metrics"], json!([]));
    }

    #[test]
    fn a_history_page_is_written_with_its_token() {
        let text = serde_json::to_string(&History {
            key: "loss",
            points: &[(0.5, 10, 0), (f64::NAN, 11, 1)],
            next: Some("2".into()),
        })
        .unwrap_or_default();
        assert_eq!(
            text,
            r#"{"metrics":[{"key":"loss","value":0.5,"timestamp":10,"step":0},{"key":"loss","value":null,"timestamp":11,"step":1}],"next_page_token":"2"}"#
        );
    }
}
