//! `GET /v1/stats`: the figures IPA publishes about the scheme, computed by the database and
//! cached for a short time.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{DbError, stats};
use crate::domain::questionnaire::Band;
use crate::error::ApiError;
use crate::state::AppState;

/// A count under a code.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CodeCount {
    pub code: String,
    pub count: i64,
}

/// A range of two-star diagnosis scores and how many declarations fall in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoreBucket {
    pub from: i32,
    pub to: i32,
    pub count: i64,
}

/// The two-star declarations' self-diagnosis scores.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoreDistribution {
    pub count: i64,
    pub average: Option<f64>,
    /// Declarations per band (`complete`, `partially_insufficient`, `conspicuous_gaps`, `at_risk`).
    pub by_band: BTreeMap<String, i64>,
    /// Declarations per 10-point range (−25 to −1, 0–9, … 90–99, 100).
    pub histogram: Vec<ScoreBucket>,
}

/// The scheme in figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "generated_at": "2026-11-22T03:00:00Z", "live_declarations": 334896,
    "by_star": {"one_star": 302264, "two_star": 32632}, "by_status": {"accepted": 330000, "declared": 4896, "withdrawn": 1200, "revoked": 35},
    "by_prefecture": [{"code": "13", "count": 61234}], "by_industry": [{"code": "E", "count": 50000}],
    "by_purpose": {"subsidy_application": 251000},
    "two_star_scores": {"count": 32632, "average": 82.5, "by_band": {"complete": 3000}, "histogram": [{"from": 90, "to": 99, "count": 9000}]}
}))]
pub struct Stats {
    pub generated_at: DateTime<Utc>,
    /// Declared or accepted declarations.
    pub live_declarations: i64,
    /// Live declarations per star.
    pub by_star: BTreeMap<String, i64>,
    /// Every declaration per status.
    pub by_status: BTreeMap<String, i64>,
    /// Live declarations per prefecture code, most first.
    pub by_prefecture: Vec<CodeCount>,
    /// Live declarations per industry division, most first.
    pub by_industry: Vec<CodeCount>,
    /// Live declarations per purpose (one declaration may give several).
    pub by_purpose: BTreeMap<String, i64>,
    pub two_star_scores: ScoreDistribution,
}

fn sorted(counts: stats::Counts) -> Vec<CodeCount> {
    let mut items: Vec<CodeCount> = counts
        .into_iter()
        .map(|(code, count)| CodeCount { code, count })
        .collect();
    items.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    items
}

fn distribution(scores: &[(i32, i64)]) -> ScoreDistribution {
    let count: i64 = scores.iter().map(|(_, n)| n).sum();
    let total: i64 = scores.iter().map(|(s, n)| i64::from(*s) * n).sum();
    let mut by_band: BTreeMap<String, i64> =
        Band::ALL.iter().map(|b| (b.code().to_owned(), 0)).collect();
    for (score, n) in scores {
        *by_band
            .entry(Band::from_total(*score).code().to_owned())
            .or_default() += n;
    }
    let mut ranges = vec![(-25, -1)];
    ranges.extend((0..10).map(|i| (i * 10, i * 10 + 9)));
    ranges.push((100, 100));
    let histogram = ranges
        .into_iter()
        .map(|(from, to)| ScoreBucket {
            from,
            to,
            count: scores
                .iter()
                .filter(|(s, _)| (from..=to).contains(s))
                .map(|(_, n)| n)
                .sum(),
        })
        .collect();
    ScoreDistribution {
        count,
        average: (count > 0).then(|| (total as f64 / count as f64 * 10.0).round() / 10.0),
        by_band,
        histogram,
    }
}

/// The figures, from the database, rendered as the answer's JSON (what the cache keeps).
async fn compute(state: &AppState) -> Result<web::Bytes, ApiError> {
    let stats = state
        .db
        .read(|conn| {
            stats::with_parallel_plans(conn, |conn| {
                let by_star = stats::live_by_star(conn)?;
                Ok::<_, DbError>(Stats {
                    generated_at: chrono::SubsecRound::trunc_subsecs(Utc::now(), 0),
                    live_declarations: by_star.iter().map(|(_, n)| n).sum(),
                    by_star: by_star.into_iter().collect(),
                    by_status: stats::by_status(conn)?.into_iter().collect(),
                    by_prefecture: sorted(stats::live_by_prefecture(conn)?),
                    by_industry: sorted(stats::live_by_industry(conn)?),
                    by_purpose: stats::live_by_purpose(conn)?.into_iter().collect(),
                    two_star_scores: distribution(&stats::two_star_scores(conn)?),
                })
            })
        })
        .await?;
    Ok(web::Bytes::from(
        serde_json::to_vec(&stats).map_err(ApiError::internal)?,
    ))
}

/// Counts by star, status, prefecture, industry and purpose, and the two-star score
/// distribution. Computed by the database with GROUP BY and cached for `STATS_CACHE_SECONDS`.
#[utoipa::path(
    tag = "public",
    responses((status = 200, description = "The figures", body = Stats, headers(("Cache-Control" = String))))
)]
#[get("/stats")]
#[tracing::instrument(skip_all)]
pub async fn get_stats(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let cache = &state.stats_cache;
    let stats = match (cache.fresh(), cache.latest()) {
        (Some(stats), _) => stats,
        // STATS_CACHE_SECONDS=0: always the figures of this moment.
        _ if cache.ttl().is_zero() => Arc::new(compute(&state).await?),
        // Expired: answer with the last figures (their `generated_at` says when) while one
        // request's task computes the next ones.
        (None, Some(stale)) => {
            if let Some(refresh) = cache.claim_refresh() {
                let state = state.clone();
                actix_web::rt::spawn(async move {
                    let _refresh = refresh;
                    match compute(&state).await {
                        Ok(stats) => drop(state.stats_cache.store(stats)),
                        Err(error) => tracing::warn!(%error, "cannot refresh the statistics"),
                    }
                });
            }
            stale
        }
        (None, None) => cache.store(compute(&state).await?),
    };
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CACHE_CONTROL,
            format!("public, max-age={}", cache.ttl().as_secs()),
        ))
        .insert_header(header::ContentType::json())
        .body((*stats).clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_distribution_sums_up() {
        let d = distribution(&[(100, 2), (95, 3), (-3, 1), (50, 4)]);
        assert_eq!(d.count, 10);
        assert_eq!(d.by_band["complete"], 2);
        assert_eq!(d.by_band["partially_insufficient"], 3);
        assert_eq!(d.by_band["conspicuous_gaps"], 4);
        assert_eq!(d.by_band["at_risk"], 1);
        assert_eq!(d.histogram.iter().map(|b| b.count).sum::<i64>(), 10);
        assert_eq!(d.histogram[0].count, 1);
        assert_eq!(d.histogram.last().unwrap().count, 2);
        assert_eq!(
            d.average,
            Some(((200 + 285 - 3 + 200) as f64 / 10.0 * 10.0).round() / 10.0)
        );
        assert_eq!(distribution(&[]).average, None);
    }
}
