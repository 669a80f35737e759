//! A/B tests: known winner, tie, too few samples; the promotion atomic and all-or-nothing.

use serde_json::{Value, json};

use crate::harness::{TestApp, create_endpoint, create_model, create_version, deploy};

const NS: &str = "ab.example";

/// Deterministic samples around `mean` (spread ±0.02).
fn samples(mean: f64, n: usize, phase: f64) -> Vec<f64> {
    (0..n)
        .map(|i| mean + 0.02 * ((i as f64) * 1.7 + phase).sin())
        .collect()
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, v.sqrt())
}

struct Arms {
    experiment: String,
    a: String,
    b: String,
    deployments: (String, String),
}

/// An experiment using two versions deployed 50/50 to one endpoint, each with `quality`
/// points and cost records.
async fn arms(app: &TestApp, name: &str, a: &[f64], b: &[f64]) -> Arms {
    let model = create_model(app, NS, &format!("{name}-model")).await;
    let va = create_version(app, &model).await;
    let vb = create_version(app, &model).await;
    let endpoint = create_endpoint(app, NS, &format!("{name}-ep"), "STAGING").await;
    let da = deploy(app, &va, &endpoint, 50).await;
    let db = deploy(app, &vb, &endpoint, 50).await;
    let data = app
        .ok(
            "mutation($i: CreateExperimentInput!) { createExperiment(input: $i) { id } }",
            json!({"i": {"ns": NS, "name": name, "experimentType": "AB_TEST"}}),
        )
        .await;
    let experiment = data["createExperiment"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for v in [&va, &vb] {
        app.ok(
            "mutation($s: ID!, $t: ID!) { link(kind: \"usedBy\", source: $s, target: $t) { id } }",
            json!({"s": v, "t": experiment}),
        )
        .await;
    }
    let mut points = Vec::new();
    for (v, xs) in [(&va, a), (&vb, b)] {
        for x in xs {
            points.push(json!({"modelVersionId": v, "name": "quality", "value": x}));
        }
    }
    app.ok(
        "mutation($p: [MetricPointInput!]!) { recordMetrics(points: $p) }",
        json!({"p": points}),
    )
    .await;
    let costs: Vec<Value> = [(&va, "0.10"), (&va, "0.20"), (&vb, "0.05")]
        .iter()
        .map(|(v, amount)| json!({"provider": "openai", "modelVersionId": v, "amount": amount, "currency": "USD"}))
        .collect();
    app.ok(
        "mutation($r: [CostRecordInput!]!) { recordCosts(records: $r) }",
        json!({"r": costs}),
    )
    .await;
    Arms {
        experiment,
        a: va,
        b: vb,
        deployments: (da, db),
    }
}

const RESULT: &str = r#"query($e: ID!, $min: Int) { abTestResult(experiment: $e, metric: "quality", minimumSamples: $min) {
    test higherIsBetter significanceLevel pValue significant reason winner { id }
    arms { modelVersion { id } samples mean stdDev costTotal costCurrency costPerSample } } }"#;

const PROMOTE: &str = r#"mutation($e: ID!) { promoteAbWinner(experiment: $e, metric: "quality") {
    result { winner { id } } deployments { id trafficPercent } } }"#;

#[tokio::test]
async fn ab_tests_name_a_winner_only_when_significant_and_promote_it_atomically() {
    let app = TestApp::new().await;
    let (xa, xb) = (samples(0.90, 40, 0.0), samples(0.80, 40, 1.0));
    let win = arms(&app, "known-winner", &xa, &xb).await;
    let data = app.ok(RESULT, json!({"e": win.experiment})).await;
    let r = &data["abTestResult"];
    assert!(
        r["test"].as_str().unwrap_or_default().contains("Welch"),
        "{r}"
    );
    assert_eq!(r["higherIsBetter"], true);
    assert_eq!(r["significant"], true, "{r}");
    assert_eq!(r["winner"]["id"], json!(win.a));
    assert!(r["pValue"].as_f64().is_some_and(|p| p < 1e-6), "{r}");
    let (ma, sa) = mean_sd(&xa);
    let arm_a = &r["arms"][0];
    assert_eq!(arm_a["modelVersion"]["id"], json!(win.a));
    assert_eq!(arm_a["samples"], 40);
    assert!(
        (arm_a["mean"].as_f64().unwrap_or_default() - ma).abs() < 1e-9,
        "{arm_a}"
    );
    assert!(
        (arm_a["stdDev"].as_f64().unwrap_or_default() - sa).abs() < 1e-9,
        "{arm_a}"
    );
    assert_eq!(
        arm_a["costTotal"], "0.300000",
        "decimal costs add up exactly: {arm_a}"
    );
    assert_eq!(arm_a["costCurrency"], "USD");
    assert_eq!(arm_a["costPerSample"], "0.007500");

    // Too few samples: no winner, whatever the difference.
    let data = app
        .ok(RESULT, json!({"e": win.experiment, "min": 50}))
        .await;
    let r = &data["abTestResult"];
    assert_eq!(r["winner"], Value::Null, "{r}");
    assert!(
        r["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("not enough samples"),
        "{r}"
    );

    // A tie: the same distribution in both arms.
    let tie = arms(
        &app,
        "tie",
        &samples(0.85, 40, 0.0),
        &samples(0.85, 40, 0.0),
    )
    .await;
    let data = app.ok(RESULT, json!({"e": tie.experiment})).await;
    let r = &data["abTestResult"];
    assert_eq!(r["significant"], false, "{r}");
    assert_eq!(r["winner"], Value::Null);
    assert!(r["pValue"].as_f64().is_some_and(|p| p > 0.99), "{r}");

    // Promoting a tie is refused and changes nothing, not even the log.
    let events = app.count("events").await;
    assert_eq!(
        app.error_code(PROMOTE, json!({"e": tie.experiment})).await,
        "CONFLICT"
    );
    assert_eq!(app.count("events").await, events);
    let traffic =
        |d: &str| format!("{{ node(id: \"{d}\") {{ ... on Deployment {{ trafficPercent }} }} }}");
    assert_eq!(
        app.ok(&traffic(&tie.deployments.0), json!({})).await["node"]["trafficPercent"],
        50
    );

    // Promoting the winner moves the whole traffic in one change.
    let data = app.ok(PROMOTE, json!({"e": win.experiment})).await;
    let deployments = data["promoteAbWinner"]["deployments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let share = |id: &str| {
        deployments
            .iter()
            .find(|d| d["id"] == json!(id))
            .map(|d| d["trafficPercent"].clone())
    };
    assert_eq!(share(&win.deployments.0), Some(json!(100)), "{data}");
    assert_eq!(share(&win.deployments.1), Some(json!(0)));
    let sum: i64 = deployments
        .iter()
        .filter_map(|d| d["trafficPercent"].as_i64())
        .sum();
    assert_eq!(sum, 100);
    assert_eq!(
        app.ok(&traffic(&win.deployments.1), json!({})).await["node"]["trafficPercent"],
        0
    );
    let _ = win.b;
}
