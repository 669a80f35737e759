//! Demo data: a realistic registry that shows every relation, created through the same
//! service functions the API uses (so it has events too). Predictions are bulk-inserted.
//! Seeding is skipped when the demo namespace already has models.

use chrono::{Duration, Utc};
use entity::enums::{ModelStage, ModelStatus, PredictionStatus, TrainingJobStatus};
use entity::{model, prediction, training_job};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::core::context::RequestContext;
use entity::enums::{
    DatasetSplit, DatasetType, EndpointStatus, Environment, ExperimentStatus, ExperimentType,
    RunStatus,
};

use crate::data::{
    self, commands::CreateDataset, commands::CreateDatasetVersion, commands::NewDatasetVersion,
};
use crate::error::{AppError, AppResult};
use crate::registry;
use crate::registry::commands::{CreateModel, CreateModelVersion, CreateWorkflow};
use crate::serving;
use crate::serving::commands::{
    CreateCloudRunService, CreateDeployment, CreateEndpoint, CreateServiceDeployment,
    DeploymentSpec,
};
use crate::training;
use crate::training::commands::{
    CreateExperiment, CreateExperimentRun, CreatePatternRecognitionJob, CreateTrainingJob,
};

/// The namespace the demo lives in.
pub const DEMO_NS: &str = "acme.com/fraud";

/// Seeds the demo registry; returns a one-line summary.
pub async fn seed(db: &DatabaseConnection) -> AppResult<String> {
    seed_in(db, DEMO_NS).await
}

/// Seeds the demo registry into namespace `ns` (tests seed several), unless it has models.
/// Its ids are deterministic per namespace (`ids::with_sequence`): the README names them.
pub async fn seed_in(db: &DatabaseConnection, ns: &str) -> AppResult<String> {
    // On the heap: seeding awaits every service, and its future is large.
    crate::core::ids::with_sequence(ns, Box::pin(seed_unless_present(db, ns))).await
}

async fn seed_unless_present(db: &DatabaseConnection, ns: &str) -> AppResult<String> {
    let existing = crate::core::store::unscoped::<model::Entity>()
        .filter(model::Column::Ns.eq(ns))
        .count(db)
        .await?;
    if existing > 0 {
        return Ok(format!("demo data already present in {ns}"));
    }
    let ctx = RequestContext {
        actor: Some("demo-seed".into()),
        ..RequestContext::default()
    };
    let ns = ns.to_owned();
    let mut rng = SmallRng::seed_from_u64(42);

    let wf = registry::service::create_workflow(
        db,
        &ctx,
        CreateWorkflow {
            ns: ns.clone(),
            name: "fraud-pipeline".into(),
            description: Some(
                "Nightly feature build, training and evaluation of the fraud models".into(),
            ),
            status: Some(entity::enums::WorkflowStatus::Active),
            config: Some(json!({"nodes": [
                {"id": "ingest", "type": "dataset-loader"},
                {"id": "features", "type": "feature-builder", "after": ["ingest"]},
                {"id": "train", "type": "trainer", "after": ["features"]},
                {"id": "evaluate", "type": "evaluator", "after": ["train"]}
            ]})),
        },
    )
    .await?;
    let wf_id = Some(wf.id);

    // Datasets with versions.
    let mut progress = crate::progress::task("seed-demo", "steps", Some(6));
    progress.step("datasets");
    let mut dataset_versions = Vec::new();
    for (name, ty, versions) in [
        ("transactions", DatasetType::Tabular, 3),
        ("chargebacks", DatasetType::Tabular, 2),
        ("merchant-descriptions", DatasetType::Text, 1),
    ] {
        let ds = data::service::create_dataset(
            db,
            &ctx,
            CreateDataset {
                ns: ns.clone(),
                name: name.into(),
                description: Some(format!("{name} exported from the payments warehouse")),
                data_type: ty,
                format: Some("parquet".into()),
                storage_uri: Some(format!("s3://acme-ml/datasets/{name}")),
                workflow_id: wf_id,
                first_version: None,
            },
        )
        .await?;
        for v in 1..=versions {
            let rows = 1_000_000 * v as i64 + rng.random_range(0..50_000);
            let dv = data::service::create_dataset_version(
                db,
                &ctx,
                CreateDatasetVersion {
                    dataset_id: ds.id,
                    version: NewDatasetVersion {
                        storage_uri: format!("s3://acme-ml/datasets/{name}/v{v}"),
                        size_bytes: Some(rows * 180),
                        sha256: Some(format!("{:064x}", rng.random::<u128>())),
                        row_count: Some(rows),
                        schema: Some(
                            json!({"amount": "float", "merchant_id": "string", "label": "bool"}),
                        ),
                        split: Some(if v == versions {
                            DatasetSplit::Full
                        } else {
                            DatasetSplit::Train
                        }),
                        source_version: None,
                    },
                },
            )
            .await?;
            dataset_versions.push(dv);
        }
    }

    // Experiments and training jobs with runs.
    progress.inc(1);
    progress.step("experiments and training jobs");
    let sweep = training::service::create_experiment(
        db,
        &ctx,
        CreateExperiment {
            ns: ns.clone(),
            name: "fraud-hparam-sweep".into(),
            description: Some(
                "Learning-rate and depth sweep for the gradient-boosted detector".into(),
            ),
            experiment_type: ExperimentType::HyperparameterTuning,
            status: Some(ExperimentStatus::Completed),
            config: Some(json!({"search": "bayesian", "trials": 9})),
            workflow_id: wf_id,
        },
    )
    .await?;
    let ab_test = training::service::create_experiment(
        db,
        &ctx,
        CreateExperiment {
            ns: ns.clone(),
            name: "checkout-ab-test".into(),
            description: Some("Full detector vs distilled detector at checkout".into()),
            experiment_type: ExperimentType::AbTest,
            status: Some(ExperimentStatus::Running),
            config: Some(json!({"split": {"control": 90, "treatment": 10}})),
            workflow_id: wf_id,
        },
    )
    .await?;

    let detector = registry::service::create_model(
        db,
        &ctx,
        CreateModel {
            ns: ns.clone(),
            name: "fraud-detector".into(),
            description: Some("Gradient-boosted transaction fraud classifier".into()),
            task: Some("classification".into()),
            framework: Some("xgboost".into()),
            workflow_id: wf_id,
        },
    )
    .await?;
    let distilled = registry::service::create_model(
        db,
        &ctx,
        CreateModel {
            ns: ns.clone(),
            name: "fraud-detector-distilled".into(),
            description: Some(
                "Small neural student of fraud-detector for low-latency checkout".into(),
            ),
            task: Some("classification".into()),
            framework: Some("pytorch".into()),
            workflow_id: wf_id,
        },
    )
    .await?;

    // Three successful jobs, each producing a version derived from the previous one.
    let mut versions = Vec::new();
    let mut parent: Option<Uuid> = None;
    for (i, dv) in dataset_versions.iter().take(3).enumerate() {
        let job = training::service::create_training_job(
            db,
            &ctx,
            CreateTrainingJob {
                ns: ns.clone(),
                name: format!("fraud-detector-train-{}", i + 1),
                experiment_id: Some(sweep.id),
                model_id: Some(detector.id),
                dataset_version_id: Some(dv.id),
                priority: Some(5 + i as i32),
                config: Some(json!({"max_depth": 6 + i, "eta": 0.1 / (i as f64 + 1.0)})),
                pipeline_id: None,
            },
        )
        .await?;
        for r in 1..=3 {
            training::service::create_experiment_run(
                db,
                &ctx,
                CreateExperimentRun {
                    training_job_id: job.id,
                    hyperparameters: Some(json!({"max_depth": 6 + i, "seed": r})),
                    metrics: Some(json!({"auc": 0.90 + 0.01 * i as f64 + 0.002 * r as f64})),
                    duration_seconds: Some(600.0 + 30.0 * r as f64),
                    status: Some(RunStatus::Completed),
                },
            )
            .await?;
        }
        let job_id = job.id;
        finish_job(db, job).await?;
        let v = registry::service::create_model_version(
            db,
            &ctx,
            CreateModelVersion {
                model_id: detector.id,
                artifact_uri: Some(format!("s3://acme-ml/models/fraud-detector/v{}", i + 1)),
                checksum: Some(format!("{:032x}", rng.random::<u128>())),
                size_bytes: Some(50_000_000 + i as i64 * 1_000_000),
                metrics: Some(
                    json!({"auc": 0.91 + 0.01 * i as f64, "precision": 0.84 + 0.02 * i as f64}),
                ),
                params: Some(json!({"max_depth": 6 + i})),
                parent_version_id: parent,
                training_job_id: Some(job_id),
            },
        )
        .await?;
        parent = Some(v.id);
        versions.push(v);
    }
    // Two more jobs in flight.
    for (name, priority) in [("fraud-detector-train-4", 8), ("fraud-detector-train-5", 3)] {
        training::service::create_training_job(
            db,
            &ctx,
            CreateTrainingJob {
                ns: ns.clone(),
                name: name.into(),
                experiment_id: Some(sweep.id),
                model_id: Some(detector.id),
                dataset_version_id: dataset_versions.last().map(|dv| dv.id),
                priority: Some(priority),
                config: Some(json!({"max_depth": 9})),
                pipeline_id: None,
            },
        )
        .await?;
    }
    let student = registry::service::create_model_version(
        db,
        &ctx,
        CreateModelVersion {
            model_id: distilled.id,
            artifact_uri: Some("s3://acme-ml/models/fraud-detector-distilled/v1".into()),
            checksum: Some(format!("{:032x}", rng.random::<u128>())),
            size_bytes: Some(4_000_000),
            metrics: Some(json!({"auc": 0.925, "p99_latency_ms": 4.1})),
            params: Some(json!({"teacher": "fraud-detector v3", "temperature": 2.0})),
            parent_version_id: versions.last().map(|v| v.id),
            training_job_id: None,
        },
    )
    .await?;
    for (v, stage) in [
        (&versions[1], ModelStage::Staging),
        (&versions[2], ModelStage::Production),
        (&student, ModelStage::Staging),
    ] {
        registry::service::promote_model_version(db, &ctx, v.id, stage).await?;
    }

    // Endpoints with deployments at split traffic.
    progress.inc(1);
    progress.step("endpoints and deployments");
    let prod = serving::service::create_endpoint(
        db,
        &ctx,
        CreateEndpoint {
            ns: ns.clone(),
            name: "fraud-prod".into(),
            description: Some("Checkout fraud scoring".into()),
            environment: Environment::Production,
            region: Some("europe-west1".into()),
            url: Some("https://fraud.acme.com/v1/score".into()),
            status: Some(EndpointStatus::Active),
        },
    )
    .await?;
    let staging = serving::service::create_endpoint(
        db,
        &ctx,
        CreateEndpoint {
            ns: ns.clone(),
            name: "fraud-staging".into(),
            description: Some("Shadow traffic for candidates".into()),
            environment: Environment::Staging,
            region: Some("europe-west1".into()),
            url: Some("https://fraud-staging.acme.com/v1/score".into()),
            status: Some(EndpointStatus::Active),
        },
    )
    .await?;
    let mut deployments = Vec::new();
    for (endpoint, version, traffic) in [
        (&prod, &versions[2], 90),
        (&prod, &student, 10),
        (&staging, &versions[1], 100),
    ] {
        serving::service::create_deployment(
            db,
            &ctx,
            CreateDeployment {
                model_version_id: version.id,
                spec: DeploymentSpec {
                    endpoint_id: endpoint.id,
                    traffic_percent: traffic,
                    min_replicas: Some(2),
                    max_replicas: Some(10),
                    machine_type: Some("n2-standard-4".into()),
                },
            },
        )
        .await?;
        deployments.push((endpoint.id, version.id, traffic));
    }

    // A few thousand predictions over the last two days.
    progress.inc(1);
    progress.step("predictions");
    let now = Utc::now();
    let mut rows = Vec::with_capacity(3000);
    for _ in 0..3000 {
        // Production takes 70% of the volume, split 90/10; staging the rest.
        let pick = rng.random_range(0..100);
        let (endpoint_id, version_id, _) = match pick {
            0..63 => deployments[0],
            63..70 => deployments[1],
            _ => deployments[2],
        };
        let at = now - Duration::seconds(rng.random_range(0..48 * 3600));
        let failed = rng.random_range(0..100) < 2;
        let confidence: f64 = rng.random_range(0.5..1.0);
        rows.push(prediction::ActiveModel {
            id: Set(crate::core::ids::new_id()),
            ns: Set(ns.clone()),
            endpoint_id: Set(endpoint_id),
            model_version_id: Set(Some(version_id)),
            input: Set(json!({"amount": rng.random_range(1.0..2000.0), "merchant": format!("m-{}", rng.random_range(0..500))})),
            output: Set((!failed).then(|| json!({"fraud": confidence > 0.9, "score": confidence}))),
            latency_ms: Set(Some(rng.random_range(2.0..80.0))),
            confidence: Set((!failed).then_some(confidence)),
            status: Set(if failed { PredictionStatus::Failed } else { PredictionStatus::Completed }),
            completed_at: Set(Some(at)),
            created_at: Set(at),
            updated_at: Set(at),
        });
    }
    for chunk in rows.chunks(500) {
        prediction::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }

    // Standalone pieces of the VERSATIL schema.
    progress.inc(1);
    progress.step("the rest");
    let svc = serving::service::create_cloud_run_service(
        db,
        &ctx,
        CreateCloudRunService {
            ns: ns.clone(),
            name: "feature-server".into(),
            region: "europe-west1".into(),
            url: Some("https://features.acme.com".into()),
            image: "europe-docker.pkg.dev/acme/feature-server:1.4.2".into(),
            status: None,
        },
    )
    .await?;
    for (rev, traffic) in [("feature-server-00041", 20), ("feature-server-00042", 80)] {
        serving::service::create_service_deployment(
            db,
            &ctx,
            CreateServiceDeployment {
                service_id: svc.id,
                revision: rev.into(),
                image: "europe-docker.pkg.dev/acme/feature-server:1.4.2".into(),
                traffic_percent: traffic,
                status: Some(entity::enums::DeploymentStatus::Active),
            },
        )
        .await?;
    }
    training::service::create_pattern_recognition_job(
        db,
        &ctx,
        CreatePatternRecognitionJob {
            ns: ns.clone(),
            name: "merchant-ring-detection".into(),
            pattern_type: "graph-community".into(),
            config: Some(json!({"min_ring_size": 4})),
        },
    )
    .await?;
    progress.inc(1);
    progress.step("what the README's questions need");
    // Created last, so that every id above stays the one the README names.
    Box::pin(graph_questions(
        db,
        &ctx,
        &ns,
        &Demo {
            detector: detector.id,
            distilled: distilled.id,
            ab_test: ab_test.id,
            transactions: dataset_versions
                .first()
                .map(|dv| dv.dataset_id)
                .unwrap_or_default(),
            distilled_on: dataset_versions.get(2).map(|dv| dv.id).unwrap_or_default(),
            versions: versions.iter().chain([&student]).map(|v| v.id).collect(),
        },
    ))
    .await?;
    progress.inc(1);
    progress.finish();

    Ok(format!(
        "seeded {ns}: 1 workflow, 3 datasets / 7 versions, 3 models / 4 versions, 2 experiments, 5 training jobs, 2 endpoints / 3 deployments, 3000 predictions, 1 OpenLineage run, 1 MLflow sweep of 3 runs"
    ))
}

/// The demo's nodes the README's graph questions start from.
struct Demo {
    detector: Uuid,
    distilled: Uuid,
    ab_test: Uuid,
    transactions: Uuid,
    /// The transactions version the student was distilled on.
    distilled_on: Uuid,
    versions: Vec<Uuid>,
}

/// What the README's questions need beyond the registry itself: the rules the detector
/// replaced, the A/B test's arms (their aliases, and the quality they are compared on),
/// data newer than what the detector trained on, vectors and latencies for similarity,
/// and one OpenLineage run.
async fn graph_questions(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    ns: &str,
    demo: &Demo,
) -> AppResult<()> {
    use crate::core::ids::NodeType as T;
    use crate::lineage::service::link;
    let rules = registry::service::create_model(
        db,
        ctx,
        CreateModel {
            ns: ns.to_owned(),
            name: "checkout-rules".into(),
            description: Some("Hand-written checkout rules, retired for the detector".into()),
            task: Some("classification".into()),
            framework: Some("sql".into()),
            workflow_id: None,
        },
    )
    .await?;
    registry::service::set_model_status(db, ctx, rules.id, ModelStatus::Archived).await?;
    link(
        db,
        ctx,
        "replacedBy",
        (T::Model, rules.id),
        (T::Model, demo.detector),
        None,
    )
    .await?;
    for arm in [demo.detector, demo.distilled] {
        link(
            db,
            ctx,
            "usedBy",
            (T::Model, arm),
            (T::Experiment, demo.ab_test),
            None,
        )
        .await?;
    }
    link(
        db,
        ctx,
        "trainedOn",
        (T::Model, demo.distilled),
        (T::DatasetVersion, demo.distilled_on),
        None,
    )
    .await?;
    // New transactions arrived after both were trained.
    data::service::create_dataset_version(
        db,
        ctx,
        CreateDatasetVersion {
            dataset_id: demo.transactions,
            version: NewDatasetVersion {
                storage_uri: "s3://acme-ml/datasets/transactions/v4".into(),
                size_bytes: Some(720_000_000),
                sha256: None,
                row_count: Some(4_000_000),
                schema: Some(json!({"amount": "float", "merchant_id": "string", "label": "bool"})),
                split: None,
                source_version: None,
            },
        },
    )
    .await?;
    // Vectors of a small embedding model, and each version's latency over the last hour.
    let now = Utc::now();
    let mut points = Vec::new();
    for (i, v) in demo.versions.iter().enumerate() {
        let id = async_graphql::ID(crate::core::ids::encode(T::ModelVersion, *v));
        let x = i as f64;
        crate::search::vectors::set_embedding(
            db,
            ctx,
            crate::search::vectors::Hnsw::default(),
            &id,
            "demo/mini-3",
            &[1.0 - 0.1 * x, 0.1 + 0.1 * x, 0.2],
        )
        .await?;
        for m in 0..12 {
            points.push(crate::metrics::MetricPointInput {
                model_version_id: id.clone(),
                endpoint_id: None,
                deployment_id: None,
                name: "latency_ms".into(),
                value: 20.0 + 10.0 * x + f64::from(m),
                timestamp: Some(now - Duration::minutes(5 * i64::from(m) + 1)),
                labels: None,
            });
        }
    }
    crate::metrics::points::record(db, ctx, points).await?;
    // One run of an Airflow task, as its OpenLineage integration reports it.
    let run = "01932f5e-5c2a-7c3e-9a51-6f1d2a3b4c5d";
    for (state, at) in [
        ("START", now - Duration::minutes(40)),
        ("COMPLETE", now - Duration::minutes(31)),
    ] {
        let event = crate::ingest::openlineage::parse(json!({
            "eventType": state,
            "eventTime": at.to_rfc3339(),
            "producer": "https://github.com/apache/airflow/tree/providers-openlineage/2.3.0",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent",
            "run": {"runId": run},
            "job": {"namespace": "airflow-prod", "name": "risk_scores.daily"},
            "inputs": [{"namespace": "s3://acme-ml", "name": "warehouse/payments"}],
            "outputs": [{"namespace": "s3://acme-ml", "name": "scores/risk", "facets": {"columnLineage": {
                "_producer": "https://github.com/apache/airflow/tree/providers-openlineage/2.3.0",
                "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
                "fields": {"risk_score": {"inputFields": [
                    {"namespace": "s3://acme-ml", "name": "warehouse/payments", "field": "amount",
                     "transformations": [{"type": "DIRECT", "subtype": "AGGREGATION"}]}]}}}}}],
        }))?;
        crate::ingest::openlineage::record(db, ctx, Some(ns), &event).await?;
    }
    // Added last, so that the ids above stay the ones the README names.
    // The A/B test's metric: each arm's quality over 40 scored predictions (the detector's
    // v3 best by a margin a t-test calls significant).
    let mut quality = Vec::new();
    for (v, mean) in demo.versions.iter().skip(1).zip([0.89, 0.93, 0.86]) {
        let id = async_graphql::ID(crate::core::ids::encode(T::ModelVersion, *v));
        for m in 0..40 {
            quality.push(crate::metrics::MetricPointInput {
                model_version_id: id.clone(),
                endpoint_id: None,
                deployment_id: None,
                name: "quality".into(),
                value: mean + f64::from((m * 37) % 11 - 5) * 0.002,
                timestamp: Some(now - Duration::seconds(90 * i64::from(m) + 30)),
                labels: None,
            });
        }
    }
    crate::metrics::points::record(db, ctx, quality).await?;
    // The A/B test's arms by alias: the detector in production, the student challenging.
    if let (Some(v3), Some(student)) = (demo.versions.get(2), demo.versions.get(3)) {
        registry::service::set_alias(db, ctx, demo.detector, "champion", *v3).await?;
        registry::service::set_alias(db, ctx, demo.distilled, "challenger", *student).await?;
    }
    // On the heap: the MLflow calls' futures are large.
    Box::pin(mlflow_sweep(db, ctx, ns, now)).await
}

/// A learning-rate sweep as an MLflow client logs it (through the same MLflow REST code):
/// one experiment, three finished runs, each with its params and `loss` and `val_auc`
/// over 30 steps — the curves the console draws.
async fn mlflow_sweep(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    ns: &str,
    now: chrono::DateTime<Utc>,
) -> AppResult<()> {
    use crate::ingest::mlflow::call;
    use axum::http::Method;
    let failed = |e: crate::ingest::mlflow::MlflowError| {
        AppError::Internal(format!("the demo's MLflow sweep: {e}"))
    };
    let experiment = call(
        db,
        ctx,
        ns,
        Method::POST,
        "mlflow/experiments/create",
        json!({"name": "fraud-lr-sweep"}),
    )
    .await
    .map_err(failed)?["experiment_id"]
        .clone();
    let start = now - Duration::hours(2);
    for (i, lr) in [0.1, 0.03, 0.01].into_iter().enumerate() {
        let begun = start + Duration::minutes(20 * i as i64);
        let run = call(
            db,
            ctx,
            ns,
            Method::POST,
            "mlflow/runs/create",
            json!({"experiment_id": experiment, "run_name": format!("lr-{lr}"),
                   "start_time": begun.timestamp_millis()}),
        )
        .await
        .map_err(failed)?["run"]["info"]["run_id"]
            .clone();
        // Loss falls faster with a larger rate, then flattens; AUC rises to a plateau.
        let metrics: Vec<_> = (0..30i64)
            .flat_map(|step| {
                let t = step as f64;
                let at = (begun + Duration::seconds(30 * step)).timestamp_millis();
                let loss = 0.08 + 0.6 * (-t * lr * 3.0).exp();
                let auc = 0.97 - 0.35 * (-t * lr * 2.5).exp() - 0.01 * i as f64;
                [
                    json!({"key": "loss", "value": (loss * 1e4).round() / 1e4, "timestamp": at, "step": step}),
                    json!({"key": "val_auc", "value": (auc * 1e4).round() / 1e4, "timestamp": at, "step": step}),
                ]
            })
            .collect();
        call(
            db,
            ctx,
            ns,
            Method::POST,
            "mlflow/runs/log-batch",
            json!({"run_id": run, "metrics": metrics, "params": [
                {"key": "learning_rate", "value": lr.to_string()},
                {"key": "epochs", "value": "30"},
            ]}),
        )
        .await
        .map_err(failed)?;
        call(
            db,
            ctx,
            ns,
            Method::POST,
            "mlflow/runs/update",
            json!({"run_id": run, "status": "FINISHED",
                   "end_time": (begun + Duration::minutes(15)).timestamp_millis()}),
        )
        .await
        .map_err(failed)?;
    }
    Ok(())
}

/// Marks a demo job SUCCEEDED (the lifecycle mutations are the API's way; the seed
/// just writes the final state).
async fn finish_job(db: &DatabaseConnection, job: training_job::Model) -> AppResult<()> {
    let started = Utc::now() - Duration::hours(3);
    let mut row = job.into_active_model();
    row.status = Set(TrainingJobStatus::Succeeded);
    row.progress = Set(100.0);
    row.worker = Set(Some("gpu-worker-1".into()));
    row.started_at = Set(Some(started));
    row.finished_at = Set(Some(started + Duration::hours(2)));
    row.heartbeat_at = Set(Some(started + Duration::hours(2)));
    row.revision = Set(4);
    training_job::Entity::update(row).exec(db).await?;
    Ok(())
}

/// Gives the demo's model versions a model file and its dataset versions a data file,
/// through the artifact store (once: skipped when the namespace has artifacts).
pub async fn seed_artifacts(
    db: &DatabaseConnection,
    arts: &crate::artifacts::service::Artifacts,
) -> AppResult<usize> {
    use crate::core::ids::NodeType;
    let present = crate::core::store::unscoped::<entity::artifact::Entity>()
        .filter(entity::artifact::Column::Ns.eq(DEMO_NS))
        .count(db)
        .await?;
    if present > 0 {
        return Ok(0);
    }
    let ctx = RequestContext {
        actor: Some("demo-seed".into()),
        ..RequestContext::default()
    };
    let mut n = 0;
    let versions = crate::core::store::unscoped::<entity::model_version::Entity>()
        .filter(entity::model_version::Column::Ns.eq(DEMO_NS))
        .all(db)
        .await?;
    for v in versions {
        let body = format!("demo model weights of version {} ({})\n", v.version, v.id).repeat(64);
        crate::artifacts::service::put_small(
            db,
            arts,
            &ctx,
            (NodeType::ModelVersion, v.id),
            "model.pkl",
            "application/octet-stream",
            body.into_bytes(),
        )
        .await?;
        n += 1;
    }
    let data = crate::core::store::unscoped::<entity::dataset_version::Entity>()
        .filter(entity::dataset_version::Column::Ns.eq(DEMO_NS))
        .all(db)
        .await?;
    for d in data {
        let mut csv = String::from("transaction_id,amount,merchant,is_fraud\n");
        for i in 0..200 {
            csv.push_str(&format!(
                "{i},{}.{:02},m{},{}\n",
                (i * 37) % 900,
                i % 100,
                i % 17,
                u8::from(i % 29 == 0)
            ));
        }
        csv.push_str(&format!("# version {}\n", d.version));
        crate::artifacts::service::put_small(
            db,
            arts,
            &ctx,
            (NodeType::DatasetVersion, d.id),
            "data.csv",
            "text/csv",
            csv.into_bytes(),
        )
        .await?;
        n += 1;
    }
    seed_upload(db, arts, &ctx).await?;
    Ok(n + 1)
}

/// The demo's uploaded file: a CSV of chargebacks sent through `createDatasetUpload` and
/// completed, so the server's validation worker makes it a `VALIDATED` version with a
/// schema deduction, an EDA report and its Parquet file.
async fn seed_upload(
    db: &DatabaseConnection,
    arts: &crate::artifacts::service::Artifacts,
    ctx: &RequestContext,
) -> AppResult<()> {
    use crate::artifacts::service::UploadRoute;
    use sha2::Digest;
    let dataset = crate::core::store::unscoped::<entity::dataset::Entity>()
        .filter(entity::dataset::Column::Ns.eq(DEMO_NS))
        .filter(entity::dataset::Column::Name.eq("chargebacks"))
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal("the demo has no chargebacks dataset".into()))?;
    let reasons = ["fraud", "not_received", "duplicate", "not_as_described"];
    let mut csv = String::from("chargeback_id,transaction_id,amount,reason,opened_on,resolved\n");
    for i in 0..120u32 {
        let amount = if i % 23 == 7 {
            String::new()
        } else {
            format!("{}.{:02}", 10 + (i * 53) % 700, (i * 7) % 100)
        };
        csv.push_str(&format!(
            "{},{},{amount},{},2026-11-{:02},{}\n",
            5000 + i,
            (i * 37) % 900,
            reasons[(i % 4) as usize],
            1 + i % 28,
            i % 3 != 0
        ));
    }
    let bytes = csv.into_bytes();
    let planned = crate::prep::uploads::create(
        db,
        arts,
        ctx,
        crate::prep::uploads::NewDatasetUpload {
            dataset_id: dataset.id,
            file_name: "chargebacks-2026-11.csv".into(),
            content_type: Some("text/csv".into()),
            size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(sha2::Sha256::digest(&bytes)),
            split: None,
        },
    )
    .await?;
    if let Some(upload) = &planned.upload
        && !matches!(upload.route, UploadRoute::Present)
    {
        let sha = upload.artifact.sha256.clone();
        arts.store
            .put_small(&upload.artifact.object_key, bytes, &sha)
            .await?;
    }
    crate::prep::uploads::complete(db, arts, ctx, planned.version.id).await?;
    Ok(())
}
