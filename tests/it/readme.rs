//! The README's examples run as written: every operation of every ```graphql block,
//! in order, against a freshly seeded demo registry (whose ids are deterministic, so the
//! README can name them), fails the test on any error.
//!
//! What a reader does between examples, the test does too, and no more: it creates the
//! user the README logs in as (as its `mlgraph admin create-user` line does), sends the
//! file of an upload to the URL the server gave (as the prose says), and binds an
//! operation's variables to the values earlier examples returned under those names (as the
//! README says of `$name`). Each operation runs as another actor (a team, not one person:
//! four-eyes review needs two), with every namespace in scope. Subscriptions must deliver
//! their first message, and every query must answer something: no top-level field null
//! or an empty list (the demo carries what each example asks about). Beyond that, every
//! operation's answer is checked against what the README shows or says of it
//! ([`described`]); an operation no check covers fails the test, as does a check whose
//! example is gone.

use std::collections::HashMap;
use std::time::Duration;

use async_graphql::parser::types::OperationType;
use futures::StreamExt;
use mlgraph::artifacts::service::{ArtifactSettings, Artifacts};
use mlgraph::artifacts::store::{LocalStore, ObjectStore};
use mlgraph::core::clock::Clock;
use mlgraph::core::context::{RequestContext, Scope};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::TestApp;

/// The file the README's upload example describes.
pub const README_FILE: &[u8] = b"hello world\n";
/// The README's login.
pub const README_EMAIL: &str = "you@acme.com";
/// Its password (the README's `MLGRAPH_PASSWORD`).
pub const README_PASSWORD: &str = "correct horse battery staple";

/// The operations of the README's graphql blocks, in order.
fn operations(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut block = String::new();
    for line in readme.lines() {
        if line.trim_start().starts_with("```graphql") {
            in_block = true;
            block.clear();
        } else if in_block && line.trim_start().starts_with("```") {
            in_block = false;
            out.extend(split_operations(&block));
        } else if in_block {
            block.push_str(line);
            block.push('\n');
        }
    }
    out
}

/// Splits a block into its top-level operations (braces balanced, comments and strings
/// skipped).
fn split_operations(block: &str) -> Vec<String> {
    let mut ops = Vec::new();
    let mut current = String::new();
    let (mut depth, mut started, mut in_string, mut in_comment) = (0i32, false, false, false);
    let mut prev = '\0';
    for c in block.chars() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
            }
            continue;
        }
        if in_string {
            current.push(c);
            if c == '"' && prev != '\\' {
                in_string = false;
            }
            prev = c;
            continue;
        }
        match c {
            '#' => {
                in_comment = true;
                continue;
            }
            '"' => in_string = true,
            '{' => {
                depth += 1;
                started = true;
            }
            '}' => depth -= 1,
            _ => {}
        }
        if !(current.trim().is_empty() && c.is_whitespace()) {
            current.push(c);
        }
        prev = c;
        if started && depth == 0 {
            ops.push(current.trim().to_owned());
            current.clear();
            started = false;
        }
    }
    assert!(
        current.trim().is_empty(),
        "unbalanced README block: {current}"
    );
    ops
}

/// Every scalar under a key, latest answer first: what `$key` refers to.
fn bind(v: &Value, into: &mut HashMap<String, Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if !x.is_object() && !x.is_array() && !x.is_null() {
                    into.insert(k.clone(), x.clone());
                }
                bind(x, into);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| bind(x, into)),
        _ => {}
    }
}

/// The file the README's dataset upload example describes (`tx.csv`).
pub const README_CSV: &[u8] = b"amount,merchant,is_fraud\n12.50,m1,false\n80.10,m7,true\n";

/// Sends the uploads the server planned (a PUT of the file the operation describes —
/// `tx.csv` or the README's text file — with the headers the plan gives).
async fn upload(op: &str, v: &Value) {
    let mut found = Vec::new();
    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
        match v {
            Value::Object(m) => {
                if m.get("method").and_then(Value::as_str) == Some("PUT")
                    && m.get("url").is_some_and(Value::is_string)
                {
                    out.push(v);
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(v, &mut found);
    let body = if op.contains("fileName: \"tx.csv\"") {
        README_CSV
    } else {
        README_FILE
    };
    for u in found {
        let url = u["url"].as_str().unwrap_or_default();
        let mut req = reqwest::Client::new().put(url).body(body.to_vec());
        for h in u["headers"].as_array().into_iter().flatten() {
            if let (Some(n), Some(val)) = (h["name"].as_str(), h["value"].as_str()) {
                req = req.header(n, val);
            }
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("PUT {url}: {e}"));
        assert!(resp.status().is_success(), "PUT {url}: {}", resp.status());
    }
}

/// Every string under `v`, anywhere.
fn strings(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(m) => m.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(v, &mut out);
    out
}

/// Every value under a key named `key`, anywhere.
fn values_of<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    let mut out = Vec::new();
    fn walk<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
        match v {
            Value::Array(a) => a.iter().for_each(|x| walk(x, key, out)),
            Value::Object(m) => {
                for (k, x) in m {
                    if k == key {
                        out.push(x);
                    }
                    walk(x, key, out);
                }
            }
            _ => {}
        }
    }
    walk(v, key, &mut out);
    out
}

type Described = (&'static str, fn(&Value) -> bool);

/// What the README says of some examples' answers on the demo, by a text each example's
/// operation contains.
fn described() -> Vec<Described> {
    vec![
        // "production models": the detector serves fraud-prod.
        ("deployedTo: {environment: {eq: PRODUCTION}}", |d| {
            strings(d).contains(&"fraud-detector".to_owned())
        }),
        // "models needing retraining": the student, distilled on older transactions.
        ("modelsNeedingRetraining", |d| {
            strings(d).contains(&"fraud-detector-distilled".to_owned())
        }),
        // "replacement chain": the archived rules the detector replaced.
        ("kinds: [\"replacedBy\"]", |d| {
            strings(d).contains(&"checkout-rules".to_owned())
        }),
        // "an A/B experiment's models": its two arms.
        ("kinds: [\"usedBy\"]", |d| {
            let names = strings(d);
            names.contains(&"fraud-detector".to_owned())
                && names.contains(&"fraud-detector-distilled".to_owned())
        }),
        // "which model versions served fraud-prod then, with their traffic split": 90/10.
        (
            "trafficPercent modelVersion { version stage model { name } }",
            |d| {
                let mut split: Vec<i64> = values_of(d, "trafficPercent")
                    .into_iter()
                    .filter_map(Value::as_i64)
                    .collect();
                split.sort_unstable();
                split == vec![10, 90]
            },
        ),
        // "what was PRODUCTION for fraud-detector then": version 3.
        (
            "versions(filter: {stage: {eq: PRODUCTION}}) { nodes { version createdAt } }",
            |d| values_of(d, "version").contains(&&Value::from(3)),
        ),
        // Seed 001's "average training duration grouped by model": the detector's jobs
        // took two hours each.
        (
            "aggregate(of: TRAINING_JOB, groupBy: [{field: \"model\"}]",
            |d| values_of(d, "avg").contains(&&Value::from(7200.0)),
        ),
        // Column lineage: the risk score is made from the payments' amount.
        ("columnLineage(dataset:", |d| {
            strings(d).contains(&"risk_score".to_owned())
        }),
        // Access control: a token `mlg_<id>_<secret>`; a revoked key says when.
        ("login(email:", |d| {
            d["login"]["token"]
                .as_str()
                .is_some_and(|t| t.starts_with("mlg_"))
        }),
        ("revokeApiKey(id:", |d| {
            d["revokeApiKey"]["revokedAt"].is_string()
        }),
        // "On the embedded demo it is off: `me` answers `authentication: false`, no
        // `user`, and the `actor` your `x-actor` header names."
        ("{ me { actor", |d| {
            d["me"]["authentication"] == false
                && d["me"]["user"].is_null()
                && d["me"]["actor"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("readme-"))
        }),
        // Artifacts: planned as one PUT, verified, then listed with the file's size and hash.
        ("createArtifactUpload(input:", |d| {
            let u = &d["createArtifactUpload"];
            u["alreadyPresent"] == false
                && u["artifact"]["status"] == "PENDING"
                && u["upload"]["method"] == "PUT"
        }),
        ("completeArtifactUpload(id:", |d| {
            d["completeArtifactUpload"]["status"] == "VERIFIED"
        }),
        ("downloadUrl(expiresInSeconds: 900)", |d| {
            d["modelVersion"]["artifacts"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|a| {
                    a["path"] == "notes.txt"
                        && a["sizeBytes"] == 12
                        && a["sha256"] == hex::encode(Sha256::digest(README_FILE)).as_str()
                        && a["downloadUrl"].is_string()
                })
        }),
        // Governance: checks run at once, PENDING; another person approves.
        ("requestApproval(input:", |d| {
            d["requestApproval"]["status"] == "PENDING"
                && d["requestApproval"]["checks"]
                    .as_array()
                    .is_some_and(|c| !c.is_empty())
        }),
        ("reviewApproval(input:", |d| {
            d["reviewApproval"]["status"] == "APPROVED"
                && d["reviewApproval"]["reviewedBy"].is_string()
        }),
        ("governanceHistory(of:", |d| {
            strings(d).contains(&"APPROVED".to_owned())
        }),
        // Metrics: the point just recorded, in its hour, and in the raw series.
        ("mutation { recordMetrics(", |d| d["recordMetrics"] == 4),
        // Version 2 against version 3: 2.5 ms slower, 0.02 less accurate.
        ("compareModels(versions:", |d| {
            let rows = d["compareModels"].as_array().cloned().unwrap_or_default();
            let diff = |metric: &str, version: i64| {
                rows.iter()
                    .find(|r| r["metric"] == metric && r["modelVersion"]["version"] == version)
                    .and_then(|r| r["avgDifference"].as_f64())
            };
            rows.len() == 4
                && rows.iter().all(|r| r["stats"]["count"] == 1)
                && diff("latency_ms", 2) == Some(2.5)
                && diff("accuracy", 2).is_some_and(|x| (x + 0.02).abs() < 1e-9)
                && diff("latency_ms", 3).is_none()
        }),
        ("metricStats(of:", |d| {
            d["metricStats"].as_array().is_some_and(|b| {
                b.iter().any(|x| {
                    x["bucketStart"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("2026-11-30T10:00:00"))
                        && x["avg"] == 41.5
                })
            })
        }),
        ("metricPoints(of:", |d| {
            values_of(d, "value").contains(&&Value::from(41.5))
        }),
        // Costs: the OpenAI call recorded, summed by provider.
        ("costSummary(groupBy: PROVIDER", |d| {
            d["costSummary"].as_array().is_some_and(|g| {
                g.iter()
                    .any(|x| x["key"] == "openai" && x["total"] == "0.004200")
            })
        }),
        ("mutation { recordCosts(", |d| d["recordCosts"] == 1),
        ("costTrends(bucket: DAY", |d| {
            d["costTrends"].as_array().is_some_and(|b| {
                b.iter()
                    .any(|x| x["currency"] == "USD" && x["total"] == "0.004200")
            })
        }),
        // ROI: each success is worth 0.01; the cost is the call recorded above.
        ("roi(of:", |d| {
            let r = &d["roi"];
            let successes = r["successes"].as_f64().unwrap_or(0.0);
            successes > 0.0
                && r["cost"] == "0.004200"
                && r["value"] == format!("{:.6}", successes * 0.01).as_str()
                && r["roi"]
                    .as_f64()
                    .is_some_and(|x| (x - successes * 0.01 / 0.0042).abs() < 1e-6)
        }),
        // Access control: a service account, and its key named after its id.
        ("createUser(input: {kind: SERVICE", |d| {
            d["createUser"]["serviceAccount"].is_string()
        }),
        ("createApiKey(input:", |d| {
            let id = d["createApiKey"]["apiKey"]["keyId"]
                .as_str()
                .unwrap_or("?")
                .replace('-', "");
            d["createApiKey"]["token"]
                .as_str()
                .is_some_and(|t| t.starts_with(&format!("mlg_{id}_")))
        }),
        // The registry: the detector is the one model in PRODUCTION, v3 at 90 % on fraud-prod.
        (
            "models(filter: {versions: {stage: {eq: PRODUCTION}}}",
            |d| {
                d["models"]["totalCount"] == 1
                    && d["models"]["edges"][0]["node"]["name"] == "fraud-detector"
                    && d["models"]["edges"][0]["node"]["versions"]["edges"]
                        .as_array()
                        .is_some_and(|v| {
                            v.iter().any(|e| {
                                let n = &e["node"];
                                n["version"] == 3
                                    && n["stage"] == "PRODUCTION"
                                    && n["deployments"]["edges"][0]["node"]["trafficPercent"] == 90
                                    && n["deployments"]["edges"][0]["node"]["endpoint"]["name"]
                                        == "fraud-prod"
                            })
                        })
            },
        ),
        // From the data to production: transactions v3 trained the detector's v3, on fraud-prod.
        ("trainingJobs(first: 5) { edges { node { name status", |d| {
            let names = strings(d);
            names.contains(&"fraud-detector-train-3".to_owned())
                && names.contains(&"fraud-prod".to_owned())
        }),
        // The demo's 3,000 predictions, by endpoint.
        ("predictionStats(groupBy: ENDPOINT", |d| {
            let rows = d["predictionStats"].as_array().cloned().unwrap_or_default();
            let names = strings(d);
            rows.iter().filter_map(|r| r["count"].as_i64()).sum::<i64>() == 3000
                && names.contains(&"fraud-prod".to_owned())
                && names.contains(&"fraud-staging".to_owned())
        }),
        // Busiest first.
        ("order: COUNT_DESC", |d| {
            let counts: Vec<i64> = values_of(d, "count")
                .into_iter()
                .filter_map(Value::as_i64)
                .collect();
            !counts.is_empty()
                && counts.windows(2).all(|w| w[0] >= w[1])
                && values_of(d, "stage").contains(&&Value::from("PRODUCTION"))
        }),
        // Per model: the detector's versions by stage, its jobs' two-hour average.
        ("versionsAggregate(groupBy:", |d| {
            d["models"]["nodes"].as_array().is_some_and(|m| {
                m.iter().any(|x| {
                    x["name"] == "fraud-detector"
                        && x["trainingJobsAggregate"][0]["avg"] == 7200.0
                        && x["versionsAggregate"].as_array().is_some_and(|g| {
                            g.iter()
                                .any(|k| k["key"]["stage"] == "PRODUCTION" && k["max"] == 3.0)
                        })
                })
            })
        }),
        // The audit trail of the promotion just made: STAGING → PRODUCTION.
        ("events(filter: {entityType: {eq: \"ModelVersion\"}}", |d| {
            d["events"]["edges"].as_array().is_some_and(|e| {
                e.iter().any(|x| {
                    let n = &x["node"];
                    n["action"] == "STAGE_CHANGED"
                        && n["before"]["stage"] == "STAGING"
                        && n["after"]["stage"] == "PRODUCTION"
                })
            })
        }),
        // Any node: a dataset version's upstream (its dataset, then the workflow), its history.
        ("__typename id upstream(depth: 2)", |d| {
            let n = &d["node"];
            n["__typename"] == "DatasetVersion"
                && values_of(n, "distance") == [&Value::from(1), &Value::from(2)]
                && n["history"]["edges"][0]["node"]["action"] == "CREATE"
        }),
        // The blast radius: the deployments the transactions reach, with their traffic.
        (
            "downstream(depth: 6, nodeTypes: [DEPLOYMENT, ENDPOINT])",
            |d| {
                let r = &d["dataset"]["downstream"];
                r["isPartial"] == false
                    && r["nodes"].as_array().is_some_and(|n| {
                        n.iter().any(|x| {
                            x["node"]["trafficPercent"] == 90
                                && x["node"]["endpoint"]["name"] == "fraud-prod"
                                && x["node"]["predictionVolume24h"]
                                    .as_i64()
                                    .is_some_and(|v| v > 0)
                                && x["path"].as_array().map(Vec::len)
                                    == x["distance"].as_u64().map(|k| k as usize + 1)
                        })
                    })
            },
        ),
        ("{ modelVersionsNeedingRetraining", |d| {
            d["modelVersionsNeedingRetraining"]["edges"]
                .as_array()
                .is_some_and(|e| {
                    e.iter().any(|x| {
                        x["node"]["version"] == 3 && x["node"]["model"]["name"] == "fraud-detector"
                    })
                })
        }),
        // The instant the demo's seeding ended, for the examples below.
        ("nodes { at: createdAt }", |d| {
            d["events"]["nodes"][0]["at"]
                .as_str()
                .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
        }),
        // What served fraud-prod then came from transactions v3.
        (
            "upstream(depth: 4, nodeTypes: [DATASET_VERSION, MODEL_VERSION])",
            |d| strings(d).contains(&"s3://acme-ml/datasets/transactions/v3".to_owned()),
        ),
        // Since December 1st the detector came to be: every field from nothing.
        ("changes(of:", |d| {
            let c = &d["changes"];
            c["existedAtFrom"] == false
                && c["existsAtTo"] == true
                && c["fields"].as_array().is_some_and(|f| {
                    f.iter().any(|x| {
                        x["field"] == "name" && x["from"].is_null() && x["to"] == "fraud-detector"
                    })
                })
        }),
        // Search scoped to a lineage: the transactions' four versions, the word marked.
        ("within: {lineageOf:", |d| {
            d["search"]["totalCount"] == 4
                && values_of(d, "snippet")
                    .iter()
                    .all(|s| s.as_str().is_some_and(|s| s.contains("**s3**")))
        }),
        // Approved only: model versions, each in the stage it was approved for.
        ("approvedOnly: true", |d| {
            d["search"]["edges"].as_array().is_some_and(|e| {
                !e.is_empty() && e.iter().all(|x| x["node"]["node"]["version"].is_i64())
            })
        }),
        // Under 50 ms at p95: versions 1 and 2 (version 3's p95 is above), most similar first.
        ("maxP95LatencyMs: 50", |d| {
            let sims: Vec<f64> = values_of(d, "similarity")
                .into_iter()
                .filter_map(Value::as_f64)
                .collect();
            sims.len() == 2
                && sims[0] >= sims[1]
                && !strings(d).contains(
                    &"TW9kZWxWZXJzaW9uOjAxYTE5NDY3LWU4MWMtNzY3Yi1iNDVlLWVlOWFkOWMzNTU0MA"
                        .to_owned(),
                )
        }),
        ("setEmbedding(node:", |d| {
            d["setEmbedding"]["model"] == "demo/mini-3" && d["setEmbedding"]["dimension"] == 3
        }),
        // With the models' vectors set, models come back too, most similar first.
        (
            "{ similar(vector: [1, 0, 0], model: \"demo/mini-3\") {",
            |d| {
                let sims: Vec<f64> = values_of(d, "similarity")
                    .into_iter()
                    .filter_map(Value::as_f64)
                    .collect();
                strings(d).contains(&"Model".to_owned())
                    && strings(d).contains(&"ModelVersion".to_owned())
                    && sims.windows(2).all(|w| w[0] >= w[1])
            },
        ),
        // By meaning: the fraud detector first, though no text of the demo says "card" or
        // "theft" (so only the vectors found it: an empty snippet).
        ("\"card theft\", types: [MODEL], hybrid: true", |d| {
            let ranks: Vec<f64> = values_of(d, "rank")
                .into_iter()
                .filter_map(Value::as_f64)
                .collect();
            let first = &d["search"]["edges"][0]["node"];
            first["node"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("fraud-detector"))
                && first["snippet"] == ""
                && ranks.windows(2).all(|w| w[0] >= w[1])
        }),
        // Training jobs: enqueued, its progress a new revision, its heartbeat, the next claimed.
        ("enqueueTrainingJob(input:", |d| {
            d["enqueueTrainingJob"]["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("VHJhaW5pbmdKb2I6"))
        }),
        ("reportTrainingProgress(input:", |d| {
            d["reportTrainingProgress"]["revision"]
                .as_i64()
                .is_some_and(|r| r >= 2)
        }),
        ("heartbeat(id:", |d| {
            d["heartbeat"]["heartbeatAt"]
                .as_str()
                .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
        }),
        ("claimTrainingJob(worker: \"gpu-8\"", |d| {
            d["claimTrainingJob"]["failing"]
                .as_str()
                .is_some_and(|id| id.starts_with("VHJhaW5pbmdKb2I6"))
        }),
        // Subscriptions: the job as it stands, jobs in the statuses asked for, stage changes.
        ("trainingJobUpdated(id:", |d| {
            let j = &d["trainingJobUpdated"];
            j["status"].is_string() && j["progress"].is_f64() && j["revision"].is_i64()
        }),
        ("status: [RUNNING, FAILED]", |d| {
            d["trainingJobs"]["status"] == "RUNNING" || d["trainingJobs"]["status"] == "FAILED"
        }),
        ("actions: [\"STAGE_CHANGED\"]", |d| {
            d["events"]["action"] == "STAGE_CHANGED" && d["events"]["after"]["stage"].is_string()
        }),
        // The A/B test: the detector's v3 wins on quality, every arm with 40 samples.
        ("abTestResult(experiment:", |d| {
            let r = &d["abTestResult"];
            r["significant"] == true
                && r["winner"]["version"] == 3
                && r["arms"]
                    .as_array()
                    .is_some_and(|a| a.len() >= 2 && a.iter().all(|x| x["samples"] == 40))
        }),
        // Register and deploy at 10 %; promote v2 to PRODUCTION, demoting v3.
        ("registerAndDeployModelVersion(", |d| {
            d["registerAndDeployModelVersion"]["deployment"]["trafficPercent"] == 10
        }),
        ("promoteModelVersion(id:", |d| {
            d["promoteModelVersion"]["version"]["stage"] == "PRODUCTION"
                && d["promoteModelVersion"]["demoted"]["version"] == 3
        }),
        // Search: the detector by prefix, the pipeline by phrase, the detector by meaning.
        ("search(text: \"fraud detect*\"", |d| {
            strings(d).contains(&"fraud-detector".to_owned())
        }),
        ("\\\"feature build\\\" nightly", |d| {
            strings(d).contains(&"Workflow".to_owned())
        }),
        ("similar(to:", |d| {
            strings(d).contains(&"fraud-detector-distilled".to_owned())
        }),
        ("models that catch stolen credit cards", |d| {
            d["similar"]["hits"][0]["node"]["name"] == "fraud-detector"
        }),
        // Dataset uploads: planned, completed, and the demo's validated with its reports.
        ("createDatasetUpload(input:", |d| {
            d["createDatasetUpload"]["datasetVersion"]["uploadStatus"] == "UPLOADING"
        }),
        ("completeDatasetUpload(datasetVersionId:", |d| {
            d["completeDatasetUpload"]["uploadStatus"] == "UPLOADED"
        }),
        ("uploadStatus: {eq: VALIDATED}", |d| {
            let v = &d["datasetVersions"]["nodes"][0];
            v["uploadStatus"] == "VALIDATED"
                && v["numRows"] == 120
                && v["numColumns"] == 6
                && v["schemaDeductions"]["nodes"][0]["status"] == "PROPOSED"
                && v["edaReports"]["nodes"][0]["status"] == "COMPLETED"
                && v["processedFile"]["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with(".parquet"))
        }),
        // Pipelines: a valid one is VALIDATED; a cycle is named.
        ("createPipeline(input:", |d| {
            d["createPipeline"]["status"] == "VALIDATED"
        }),
        ("checkPipelineConfig(", |d| {
            d["checkPipelineConfig"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("cycle"))
        }),
        // Training jobs: claimed, completed with its version; the next fails; one cancelled.
        ("claimTrainingJob(worker: \"gpu-7\"", |d| {
            d["claimTrainingJob"]["claimed"].is_string()
        }),
        ("completeTrainingJob(input:", |d| {
            d["completeTrainingJob"]["job"]["status"] == "SUCCEEDED"
                && d["completeTrainingJob"]["modelVersion"]["version"].is_i64()
        }),
        ("failTrainingJob(input:", |d| {
            d["failTrainingJob"]["status"] == "FAILED"
        }),
        ("cancelTrainingJob(input:", |d| {
            d["cancelTrainingJob"]["status"] == "CANCELLED"
        }),
        // OpenLineage runs: the demo's Airflow task, completed.
        ("jobRuns(filter: {source: {eq: OPEN_LINEAGE}}", |d| {
            d["jobRuns"]["nodes"][0]["state"] == "COMPLETED"
        }),
        // MLflow aliases are first-class: the detector's champion is version 3.
        ("versionByAlias(alias: \"champion\")", |d| {
            d["models"]["nodes"].as_array().is_some_and(|m| {
                m.iter().any(|x| {
                    x["name"] == "fraud-detector"
                        && x["versionByAlias"]["version"] == 3
                        && x["versionByAlias"]["aliases"] == json!(["champion"])
                })
            })
        }),
    ]
}

#[tokio::test]
async fn every_graphql_example_of_the_readme_runs_against_the_demo() {
    let readme = include_str!("../../README.md");
    let ops = operations(readme);
    assert!(
        ops.len() >= 30,
        "the README has its examples: {}",
        ops.len()
    );
    for file in [README_FILE, README_CSV] {
        assert!(
            readme.contains(&hex::encode(Sha256::digest(file))),
            "the README's upload examples describe README_FILE and README_CSV"
        );
    }

    // The demo, with the local artifact store served over HTTP.
    let base = TestApp::new().await;
    let listener = TestApp::bind().await;
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let dir =
        std::env::temp_dir().join(format!("mlgraph-readme-{}", uuid::Uuid::now_v7().simple()));
    let app = base
        .with_artifacts(Artifacts {
            store: ObjectStore::Local(LocalStore::new(
                dir.clone(),
                b"readme signing key".to_vec(),
                format!("http://{addr}"),
            )),
            settings: ArtifactSettings::default(),
            clock: Clock::system(),
        })
        .with_embedder(crate::embedding::shared().await);
    app.serve_on(listener).await;
    mlgraph::demo::seed(app.db())
        .await
        .unwrap_or_else(|e| panic!("seed: {e:?}"));
    // What `serve --demo` does with an artifact store: the demo's files and its upload.
    let arts = app
        .state
        .artifacts
        .clone()
        .unwrap_or_else(|| panic!("the README's server has an artifact store"));
    mlgraph::demo::seed_artifacts(app.db(), &arts)
        .await
        .unwrap_or_else(|e| panic!("seed artifacts: {e:?}"));
    // What the server's indexer does in the background: the demo's documents embedded.
    let embedder = crate::embedding::shared().await;
    while mlgraph::search::embedding::index(app.db(), &embedder, app.state.limits.hnsw, 256)
        .await
        .unwrap_or_else(|e| panic!("embed the demo: {e:?}"))
        > 0
    {}
    // `MLGRAPH_PASSWORD=... mlgraph admin create-user --email you@acme.com --superuser`
    mlgraph::access::service::create_user(
        app.db(),
        &Clock::system(),
        &RequestContext {
            scope: Scope::All,
            ..RequestContext::default()
        },
        mlgraph::access::service::NewUser {
            email: README_EMAIL.into(),
            full_name: None,
            password: Some(README_PASSWORD.into()),
            kind: entity::enums::PrincipalKind::User,
            superuser: true,
            grants: Vec::new(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("create the README's user: {e:?}"));

    for (marker, _) in described() {
        assert!(
            ops.iter().any(|op| op.contains(marker)),
            "no README example contains {marker:?} any more"
        );
    }
    for (i, op) in ops.iter().enumerate() {
        assert!(
            described().iter().any(|(marker, _)| op.contains(marker)),
            "README operation {i} has no check of its answer in described():\n{op}"
        );
    }
    let mut bindings: HashMap<String, Value> = HashMap::new();
    for (i, op) in ops.iter().enumerate() {
        let doc = async_graphql::parser::parse_query(op)
            .unwrap_or_else(|e| panic!("README operation {i} does not parse: {e}\n{op}"));
        let (ty, var_names) = {
            let (_, def) = doc
                .operations
                .iter()
                .next()
                .unwrap_or_else(|| panic!("no operation in {op}"));
            let names: Vec<String> = def
                .node
                .variable_definitions
                .iter()
                .map(|d| d.node.name.node.to_string())
                .collect();
            (def.node.ty, names)
        };
        let mut vars = serde_json::Map::new();
        for name in var_names {
            let v = bindings.get(&name).cloned().unwrap_or_else(|| {
                panic!(
                    "README operation {i} takes ${name}, which no earlier example returned:\n{op}"
                )
            });
            vars.insert(name, v);
        }
        let rc = RequestContext {
            actor: Some(format!("readme-{i}@acme.com")),
            request_id: Some(format!("readme-{i}")),
            scope: Scope::All,
            ..RequestContext::default()
        };
        let resp = if ty == OperationType::Subscription {
            let req = async_graphql::Request::new(op.as_str())
                .variables(async_graphql::Variables::from_json(Value::Object(vars)));
            // As a WebSocket connection runs it: the connection's data, the request steps.
            let gateway = mlgraph::schema::request::Gateway {
                schema: app.schema.clone(),
                state: app.state.clone(),
            };
            let data = std::sync::Arc::new(mlgraph::schema::connection_data(&app.state, rc));
            let mut stream = async_graphql::Executor::execute_stream(&gateway, req, Some(data));
            let first = tokio::time::timeout(Duration::from_secs(10), stream.next())
                .await
                .unwrap_or_else(|_| panic!("README subscription {i} delivered nothing:\n{op}"))
                .unwrap_or_else(|| panic!("README subscription {i} ended at once:\n{op}"));
            serde_json::to_value(&first).unwrap_or_default()
        } else {
            app.gql_as(rc, op, Value::Object(vars)).await
        };
        assert!(
            resp.get("errors").is_none(),
            "README operation {i} fails:\n{op}\n{resp:#}"
        );
        if ty == OperationType::Query {
            for (field, v) in resp["data"].as_object().into_iter().flatten() {
                let empty = v.is_null()
                    || v.as_array().is_some_and(Vec::is_empty)
                    || v["edges"].as_array().is_some_and(Vec::is_empty)
                    || v["nodes"].as_array().is_some_and(Vec::is_empty)
                    || v["hits"].as_array().is_some_and(Vec::is_empty)
                    || v["fields"].as_array().is_some_and(Vec::is_empty);
                assert!(
                    !empty,
                    "README operation {i} answers nothing on the demo ({field}):\n{op}\n{v}"
                );
            }
        }
        for (marker, check) in described() {
            if op.contains(marker) {
                assert!(
                    check(&resp["data"]),
                    "README operation {i} does not answer what the README describes:\n{op}\n{resp:#}"
                );
            }
        }
        upload(op, &resp["data"]).await;
        // What every instance's validation worker does in the background.
        while mlgraph::prep::uploads::run_once(app.db(), &arts, "readme")
            .await
            .unwrap_or_else(|e| panic!("validate uploads: {e:?}"))
        {}
        if std::env::var_os("MLGRAPH_README_DUMP").is_some() {
            eprintln!("=== {i}\n{op}\n{:#}", resp["data"]);
        }
        bind(&resp["data"], &mut bindings);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn blocks_split_into_operations() {
    let ops = split_operations(
        "# a comment { not a brace\n{ a(x: \"}\") { b } }\nmutation M { c }\n\nquery($v: ID!) {\n  d(id: $v) { e }\n}\n",
    );
    assert_eq!(
        ops,
        vec![
            "{ a(x: \"}\") { b } }".to_owned(),
            "mutation M { c }".to_owned(),
            "query($v: ID!) {\n  d(id: $v) { e }\n}".to_owned()
        ]
    );
}

/// The README's block that contains `marker`, in a fence of `lang`, as written.
pub(crate) fn block(readme: &str, lang: &str, marker: &str) -> String {
    let fence = format!("```{lang}");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match &mut current {
            None if line.trim_start() == fence => current = Some(String::new()),
            Some(b) if line.trim_start().starts_with("```") => {
                blocks.push(std::mem::take(b));
                current = None;
            }
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    blocks
        .into_iter()
        .find(|b| b.contains(marker))
        .unwrap_or_else(|| panic!("no ```{lang} block of the README contains {marker:?}"))
}

/// The README's shell and Python examples for OpenLineage producers and MLflow clients
/// run as written against a server with authentication on — only its address and the
/// API key (`mlg_...`) put in — and leave what the README says in the registry.
#[tokio::test]
async fn the_readme_shell_and_python_examples_run() {
    let readme = include_str!("../../README.md");
    let base = TestApp::new().await;
    let dir = crate::harness::temp_dir("readme-shell");
    let local = base.with_artifacts(Artifacts {
        store: ObjectStore::Local(LocalStore::new(
            dir.clone(),
            b"readme signing key".to_vec(),
            "http://127.0.0.1:1".into(),
        )),
        settings: ArtifactSettings::default(),
        clock: Clock::system(),
    });
    let s = crate::ingest::served(&local).await;
    let token = crate::ingest::key_with(
        &s,
        "readme@acme.com",
        &[
            ("acme.com", entity::enums::Role::Editor),
            ("airflow-prod", entity::enums::Role::Editor),
        ],
    )
    .await;
    let python_dir = std::path::Path::new(&crate::ingest::python())
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let fill = |text: &str| {
        text.replace("http://localhost:8080", &format!("http://{}", s.addr))
            .replace("mlg_...", &token)
    };
    let path = format!("{python_dir}:{}", std::env::var("PATH").unwrap_or_default());
    let bash = |script: String| {
        let path = path.clone();
        async move {
            let out = tokio::process::Command::new("bash")
                .arg("-euo")
                .arg("pipefail")
                .arg("-c")
                .arg(&script)
                .env("PATH", path)
                .env("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
                .env("MLFLOW_DISABLE_TELEMETRY", "true")
                .env("GIT_PYTHON_REFRESH", "quiet")
                .output()
                .await
                .unwrap_or_else(|e| panic!("bash: {e}"));
            assert!(
                out.status.success(),
                "{script}\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    };

    // OpenLineage: the curl of a COMPLETE event.
    bash(fill(&block(readme, "bash", "OPENLINEAGE_URL"))).await;
    let runs = base
        .ok(
            "{ jobRuns(filter: {source: {eq: OPEN_LINEAGE}, ns: {eq: \"airflow-prod\"}}) { nodes { state job { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        runs["jobRuns"]["nodes"],
        json!([{"state": "COMPLETED", "job": {"name": "build_features"}}]),
        "{runs}"
    );

    // MLflow: the one-liner, through `python` on the PATH.
    let mlflow = block(readme, "bash", "MLFLOW_TRACKING_URI");
    bash(fill(&mlflow)).await;
    let logged = base
        .ok(
            "{ experiments(filter: {ns: {eq: \"acme.com/fraud\"}, name: {eq: \"fraud\"}}) { nodes { jobRuns { nodes { metrics } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        logged["experiments"]["nodes"][0]["jobRuns"]["nodes"][0]["metrics"]["auc"], 0.94,
        "{logged}"
    );

    // The Python example, with the environment the bash block exports.
    let exports: Vec<(String, String)> = fill(&mlflow)
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| {
            let (k, v) = l.split_once('=')?;
            Some((k.to_owned(), v.split_whitespace().next()?.to_owned()))
        })
        .collect();
    assert_eq!(exports.len(), 2, "{exports:?}");
    let env: Vec<(&str, String)> = exports
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .chain([
            ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0".to_owned()),
            ("MLFLOW_DISABLE_TELEMETRY", "true".to_owned()),
            ("GIT_PYTHON_REFRESH", "quiet".to_owned()),
        ])
        .collect();
    let out = crate::ingest::run_python(&block(readme, "python", "mlflow.pyfunc"), &env).await;
    assert_eq!(
        out.lines().last().map(str::trim),
        Some("[2, 3]"),
        "the README says it prints [2, 3]: {out}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Runs a README shell block with `bash -euo pipefail` in `dir`, `mlgraph` on the PATH
/// and `env` set; a server the block starts in the background is stopped whatever happens.
async fn run_block(script: &str, dir: &std::path::Path, env: &[(&str, String)]) -> String {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_mlgraph"))
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let path = format!("{bin}:{}", std::env::var("PATH").unwrap_or_default());
    let mut cmd = tokio::process::Command::new("bash");
    cmd.arg("-euo")
        .arg("pipefail")
        .arg("-c")
        .arg(format!(
            "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n{script}"
        ))
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .unwrap_or_else(|_| panic!("the block ran past two minutes:\n{script}"))
        .unwrap_or_else(|e| panic!("bash: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script}\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The README's command-line blocks run as written: the PostgreSQL section's bootstrap
/// (its superuser and key, against a real PostgreSQL; the key then works over HTTP), and
/// the persisted-documents block (a manifest made by the CLI, `serve --demo
/// --persisted-only`, the document by POST and GET, anything else refused).
#[tokio::test]
async fn the_readme_cli_blocks_run() {
    let readme = include_str!("../../README.md");
    let dir = crate::harness::temp_dir("readme-cli");

    // Point it at PostgreSQL: create-user and create-key.
    let base = TestApp::new().await;
    let bootstrap = block(readme, "sh", "mlgraph admin create-key")
        .replace("postgres://user:pass@db.example.com/mlgraph", &base.url);
    let out = run_block(&bootstrap, &dir, &[]).await;
    let token = out.lines().last().unwrap_or_default().trim().to_owned();
    assert!(token.starts_with("mlg_"), "the block prints a key: {out}");
    let s = crate::ingest::served(&base).await;
    let me = reqwest::Client::new()
        .post(format!("http://{}/graphql", s.addr))
        .bearer_auth(&token)
        .json(&json!({"query": "{ me { user { email isSuperuser } } }"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json::<Value>()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        me["data"]["me"]["user"],
        json!({"email": README_EMAIL, "isSuperuser": true}),
        "{me}"
    );

    // Persisted documents, on a server of the block's own.
    let listen = TestApp::bind().await;
    let addr = listen.local_addr().unwrap_or_else(|e| panic!("{e}"));
    drop(listen);
    let persisted =
        block(readme, "bash", "--persisted-only &").replace("localhost:8080", &addr.to_string());
    let out = run_block(&persisted, &dir, &[("MLGRAPH_LISTEN", addr.to_string())]).await;
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("persisted.json")).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("the manifest: {e}"));
    let text = std::fs::read_to_string(dir.join("models.graphql")).unwrap_or_default();
    assert_eq!(
        manifest,
        json!({ mlgraph::gql::persisted::id_of(&text): text })
    );
    // Two answers naming the demo's models, then the refusal.
    assert_eq!(out.matches("\"fraud-detector\"").count(), 2, "{out}");
    assert!(out.contains("PERSISTED_DOCUMENT_REQUIRED"), "{out}");
    let _ = std::fs::remove_dir_all(dir);
}
