//! The arithmetic of the domain, without storage: statistics of a bucket of values,
//! bucket starts, and Welch's two-sample t-test with the A/B decision built on it.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use statrs::distribution::{ContinuousCDF, StudentsT};
use uuid::Uuid;

use super::types::{MetricBucket, MetricStats};
use crate::core::math::percentile;

/// Count, average, extremes and percentiles of one bucket's values.
pub(super) fn stats_of(start: DateTime<Utc>, mut values: Vec<f64>) -> MetricStats {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    MetricStats {
        bucket_start: start,
        count: n as i64,
        avg: values.iter().sum::<f64>() / n as f64,
        min: values.first().copied().unwrap_or(f64::NAN),
        max: values.last().copied().unwrap_or(f64::NAN),
        p50: percentile(&values, 0.5),
        p95: percentile(&values, 0.95),
        p99: percentile(&values, 0.99),
    }
}

pub(super) fn bucket_start(
    ts: DateTime<Utc>,
    bucket: MetricBucket,
    from: DateTime<Utc>,
) -> DateTime<Utc> {
    let delta = match bucket {
        MetricBucket::Minute => TimeDelta::minutes(1),
        MetricBucket::Hour => TimeDelta::hours(1),
        MetricBucket::Day => TimeDelta::days(1),
        MetricBucket::None => return from,
    };
    ts.duration_trunc(delta).unwrap_or(ts)
}

/// One arm's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmStats {
    /// The arm.
    pub version: Uuid,
    /// Points of the metric in the range.
    pub samples: usize,
    /// Their mean (null without points).
    pub mean: Option<f64>,
    /// Their sample standard deviation (null below two points).
    pub std_dev: Option<f64>,
    /// Cost of the arm over the range, in millionths, when all in one currency.
    pub cost_micros: Option<i64>,
    /// That currency.
    pub currency: Option<String>,
}

/// The outcome of a test.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The arms, in the order of their versions' creation.
    pub arms: Vec<ArmStats>,
    /// The p-value (the largest corrected one of the best arm's comparisons).
    pub p_value: Option<f64>,
    /// The winner, when the difference is significant and every arm has enough samples.
    pub winner: Option<Uuid>,
    /// Why there is or is not a winner.
    pub reason: String,
}

pub(super) fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var)
}

/// Welch's t statistic, degrees of freedom and two-sided p-value of `a` against `b`
/// (each with at least two points).
pub fn welch(a: &[f64], b: &[f64]) -> (f64, f64, f64) {
    let (ma, va) = mean_var(a);
    let (mb, vb) = mean_var(b);
    let (sa, sb) = (va / a.len() as f64, vb / b.len() as f64);
    let se = (sa + sb).sqrt();
    if se == 0.0 {
        let p = if ma == mb { 1.0 } else { 0.0 };
        return (if ma == mb { 0.0 } else { f64::INFINITY }, f64::INFINITY, p);
    }
    let t = (ma - mb) / se;
    let df = (sa + sb).powi(2)
        / (sa.powi(2) / (a.len() as f64 - 1.0) + sb.powi(2) / (b.len() as f64 - 1.0));
    let p = match StudentsT::new(0.0, 1.0, df) {
        Ok(dist) => 2.0 * (1.0 - dist.cdf(t.abs())),
        Err(_) => 1.0,
    };
    (t, df, p.clamp(0.0, 1.0))
}

/// Decides a test over each arm's samples.
pub fn decide(
    samples: &[(Uuid, Vec<f64>)],
    minimum_samples: usize,
    alpha: f64,
    higher_is_better: bool,
) -> (Option<f64>, Option<Uuid>, String) {
    if samples.len() < 2 {
        return (
            None,
            None,
            format!(
                "an A/B test needs two arms; the experiment has {}",
                samples.len()
            ),
        );
    }
    let short: Vec<String> = samples
        .iter()
        .filter(|(_, xs)| xs.len() < minimum_samples.max(2))
        .map(|(v, xs)| format!("{v} has {}", xs.len()))
        .collect();
    let with_points: Vec<&(Uuid, Vec<f64>)> =
        samples.iter().filter(|(_, xs)| xs.len() >= 2).collect();
    let best = with_points.iter().copied().max_by(|a, b| {
        let (ma, mb) = (mean_var(&a.1).0, mean_var(&b.1).0);
        let ord = ma.partial_cmp(&mb).unwrap_or(std::cmp::Ordering::Equal);
        if higher_is_better { ord } else { ord.reverse() }
    });
    let p_value = best
        .filter(|_| with_points.len() == samples.len())
        .map(|best| {
            let k = (samples.len() - 1) as f64;
            samples
                .iter()
                .filter(|(v, _)| *v != best.0)
                .map(|(_, xs)| (welch(&best.1, xs).2 * k).min(1.0))
                .fold(0.0_f64, f64::max)
        });
    if !short.is_empty() {
        return (
            p_value,
            None,
            format!(
                "not enough samples (at least {} per arm): {}",
                minimum_samples.max(2),
                short.join(", ")
            ),
        );
    }
    match (best, p_value) {
        (Some(best), Some(p)) if p < alpha => (
            Some(p),
            Some(best.0),
            format!("{} is better at the {alpha} level (p = {p:.4})", best.0),
        ),
        (_, Some(p)) => (
            Some(p),
            None,
            format!("no significant difference at the {alpha} level (p = {p:.4})"),
        ),
        _ => (None, None, "no arm has points".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_like_percentile_cont() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), 2.5);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 1.0), 4.0);
        assert!((percentile(&v, 0.95) - 3.85).abs() < 1e-12);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
    }

    #[test]
    fn welch_matches_the_textbook_example() {
        // Welch (1947) as in the Wikipedia article's first example: t = -2.46, df = 24.96, p = 0.021.
        let a1 = [
            27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7,
            21.4,
        ];
        let a2 = [
            27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5,
            24.4,
        ];
        let (t, df, p) = welch(&a1, &a2);
        assert!((t + 2.46).abs() < 0.01, "t = {t}");
        assert!((df - 24.96).abs() < 0.05, "df = {df}");
        assert!((p - 0.021).abs() < 0.001, "p = {p}");
    }
}
