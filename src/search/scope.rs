//! The lineage scope of a search (`within: {of:, direction:, depth:}`): the nodes a
//! walk reaches, resolved once and applied inside the ranking statement.

use async_graphql::{Context, Result};
use sea_orm::{ConnectionTrait, DbBackend};
use uuid::Uuid;

use super::types::WithinLineage;
use crate::error::AppError;
use crate::gql::api::deps;

/// The most nodes a lineage scope may hold.
pub const MAX_LINEAGE_SCOPE: usize = 100_000;

/// A lineage scope, as a statement filters by it.
#[derive(Debug)]
pub(crate) enum Within {
    /// PostgreSQL: walked by the statement itself (see `Reach::pg_array`), in the
    /// caller's scope.
    Walk(crate::lineage::service::Reach),
    /// SQLite: the reached ids, walked beforehand.
    Ids(Vec<Uuid>),
}

/// Scopes of a search or similarity query beyond the caller's namespaces.
#[derive(Debug, Default)]
pub(crate) struct Scopes {
    /// Only these nodes (a lineage scope).
    pub within: Option<Within>,
    /// Only model versions with an approved, unexpired approval for their current stage.
    pub approved_only: bool,
    /// Only model versions whose `latency_ms` points of the last 24 hours have a p95
    /// below this.
    pub max_p95_latency_ms: Option<f64>,
}

impl Scopes {
    /// Reads the arguments: walks the lineage scope (in the caller's scope, at the
    /// request's instant).
    pub(crate) async fn read(
        ctx: &Context<'_>,
        within: Option<WithinLineage>,
        approved_only: Option<bool>,
        max_p95_latency_ms: Option<f64>,
    ) -> Result<Scopes> {
        if let Some(m) = max_p95_latency_ms
            && !(m.is_finite() && m > 0.0)
        {
            return Err(AppError::bad_input("maxP95LatencyMs", "must be a positive number").into());
        }
        let d = deps(ctx)?;
        let within = match within {
            None => None,
            Some(w) => {
                let start = crate::core::ids::decode_any(&w.lineage_of, "within.lineageOf")?;
                let max = d.state.limits.max_lineage_depth;
                let depth = w.depth.unwrap_or(3);
                if depth < 1 || depth as u32 > max {
                    return Err(AppError::bad_input(
                        "within.depth",
                        format!("must be between 1 and {max}"),
                    )
                    .into());
                }
                let reach = crate::lineage::service::Reach {
                    start,
                    direction: w.direction.into(),
                    depth: depth as u32,
                    kinds: w.kinds,
                    cap: MAX_LINEAGE_SCOPE,
                };
                let not_found = || AppError::NotFound {
                    what: format!("{} {} (within.lineageOf)", start.0.name(), start.1),
                };
                // PostgreSQL walks the scope inside the statement that filters by it.
                if d.db.get_database_backend() == DbBackend::Postgres {
                    if !reach.start_found(&d.db, d.rc).await? {
                        return Err(not_found().into());
                    }
                    Some(Within::Walk(reach))
                } else {
                    let Some(ids) = reach.ids(&d.db, d.rc).await? else {
                        return Err(not_found().into());
                    };
                    Some(Within::Ids(ids))
                }
            }
        };
        Ok(Scopes {
            within,
            approved_only: approved_only.unwrap_or(false),
            max_p95_latency_ms,
        })
    }

    /// The scopes as SQL over the node columns of `t` (`node_type`, `node_id`), for the
    /// caller `ctx` (whose scope a lineage walk keeps to).
    pub(crate) fn sql(
        &self,
        t: &str,
        pg: bool,
        ctx: &crate::core::context::RequestContext,
        p: &mut crate::core::params::Params,
    ) -> String {
        let mut out = String::new();
        match &self.within {
            None => {}
            Some(Within::Walk(reach)) => {
                let ids = reach.pg_array(ctx, &mut |v| p.push(v));
                out.push_str(&format!(" AND {t}.node_id = ANY({ids})"));
            }
            Some(Within::Ids(ids)) => {
                let list: Vec<String> = ids.iter().map(|u| format!("\"{u}\"")).collect();
                let ids = p.push(format!("[{}]", list.join(",")));
                out.push_str(&format!(
                    " AND {t}.node_id IN (SELECT unhex(replace(value, '-', '')) FROM json_each({ids}))"
                ));
            }
        }
        if self.approved_only {
            let now = p.push(chrono::Utc::now());
            out.push_str(&format!(
                " AND {t}.node_type = 'ModelVersion' AND EXISTS (
                    SELECT 1 FROM approvals a JOIN model_versions mv ON mv.id = a.model_version_id
                     WHERE a.model_version_id = {t}.node_id AND a.status = 'APPROVED'
                       AND a.target_stage = mv.stage AND a.expires_at > {now})"
            ));
        }
        if let Some(max) = self.max_p95_latency_ms {
            let since = p.push(chrono::Utc::now() - chrono::Duration::hours(24));
            let max = p.push(max);
            let points = format!(
                "FROM metric_points mp WHERE mp.model_version_id = {t}.node_id \
                 AND mp.name = 'latency_ms' AND mp.ts >= {since}"
            );
            // PostgreSQL: the exact (interpolated) p95; SQLite: the nearest rank below it
            // (p95 < max exactly when more points than that rank lie below max).
            let below = if pg {
                format!(
                    "(SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY mp.value) {points}) < {max}"
                )
            } else {
                format!(
                    "(SELECT COUNT(*) {points} AND mp.value < {max}) > \
                     (SELECT CAST(0.95 * (COUNT(*) - 1) AS INTEGER) {points})"
                )
            };
            out.push_str(&format!(" AND {t}.node_type = 'ModelVersion' AND {below}"));
        }
        out
    }
}
