//! Small arithmetic the storage kernel and the domains share.

/// `percentile_cont` of sorted values (NaN for none), as PostgreSQL computes it.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Exact decimal amounts (costs) are integer millionths of their currency, so sums never
/// drift.
const SCALE: i64 = 1_000_000;

/// `"12.3456"` → 12_345_600 millionths; at most 6 decimals, not negative.
pub fn parse_amount(s: &str) -> Option<i64> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 6
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = int.parse().ok()?;
    let frac_val: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().ok()?
    };
    whole.checked_mul(SCALE)?.checked_add(frac_val)
}

/// 12_345_600 → `"12.345600"`.
pub fn format_amount(micros: i64) -> String {
    format!("{}.{:06}", micros / SCALE, (micros % SCALE).abs())
}
