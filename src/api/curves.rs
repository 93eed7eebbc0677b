//! Wire types of reads across many runs: the bulk curve read (one key's min/max buckets for many
//! runs in one request, in columns, so a chart of a thousand runs is one round trip), and every
//! metric's value at one step (compare at a chosen step).

use super::ext::{Bucket, DownsampledSeries, Num};
use serde::{Deserialize, Serialize};

/// What a chart of learning curves asks for: one key over these runs, `buckets` per run over
/// [min, max] of x (each run's whole series by default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CurvesRequest {
    pub key: String,
    pub run_ids: Vec<String>,
    /// "step" (the default), "time", or "metric": the value of metric `x_key` at the same step.
    #[serde(default)]
    pub x: String,
    pub buckets: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// With x "metric": the metric whose values are x.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_key: Option<String>,
    /// With x "metric": the range of x (None: each run's whole extent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_range: Option<[f64; 2]>,
}

/// The answer: a series per asked run that exists (a run deleted meanwhile is left out; a run
/// without the key has no buckets), in the order asked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Curves {
    pub key: String,
    /// "step" or "timestamp", as a single downsampled read names it.
    pub x: String,
    pub series: Vec<CurveColumns>,
}

/// One run's buckets as columns: element i of every array is bucket i.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CurveColumns {
    pub run_id: String,
    pub total_points: u64,
    pub x_first: Vec<f64>,
    pub x_last: Vec<f64>,
    pub x_min: Vec<f64>,
    pub x_max: Vec<f64>,
    pub min: Vec<Num>,
    pub max: Vec<Num>,
    pub last: Vec<Num>,
    pub count: Vec<u64>,
    pub min_positive: Vec<Option<f64>>,
    pub non_positive: Vec<u64>,
}

impl CurveColumns {
    pub fn from_series(s: &DownsampledSeries) -> CurveColumns {
        let b = &s.buckets;
        CurveColumns {
            run_id: s.run_id.clone(),
            total_points: s.total_points,
            x_first: b.iter().map(|b| b.x_first).collect(),
            x_last: b.iter().map(|b| b.x_last).collect(),
            x_min: b.iter().map(|b| b.x_min.unwrap_or(b.x_first)).collect(),
            x_max: b.iter().map(|b| b.x_max.unwrap_or(b.x_last)).collect(),
            min: b.iter().map(|b| b.min).collect(),
            max: b.iter().map(|b| b.max).collect(),
            last: b.iter().map(|b| b.last).collect(),
            count: b.iter().map(|b| b.count).collect(),
            min_positive: b.iter().map(|b| b.min_positive).collect(),
            non_positive: b.iter().map(|b| b.non_positive).collect(),
        }
    }

    /// Back to a downsampled series; None when the columns are not all of one length.
    pub fn into_series(self, key: &str, x: &str) -> Option<DownsampledSeries> {
        let n = self.x_first.len();
        let lens = [
            self.x_last.len(),
            self.x_min.len(),
            self.x_max.len(),
            self.min.len(),
            self.max.len(),
            self.last.len(),
            self.count.len(),
            self.min_positive.len(),
            self.non_positive.len(),
        ];
        if lens.iter().any(|l| *l != n) {
            return None;
        }
        let buckets = (0..n)
            .map(|i| Bucket {
                x_first: self.x_first[i],
                x_last: self.x_last[i],
                min: self.min[i],
                max: self.max[i],
                last: self.last[i],
                count: self.count[i],
                x_min: Some(self.x_min[i]),
                x_max: Some(self.x_max[i]),
                min_positive: self.min_positive[i],
                non_positive: self.non_positive[i],
            })
            .collect();
        Some(DownsampledSeries {
            run_id: self.run_id,
            key: key.into(),
            x: x.into(),
            total_points: self.total_points,
            buckets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_round_trip_buckets_through_json() {
        let s = DownsampledSeries {
            run_id: "r".into(),
            key: "loss".into(),
            x: "step".into(),
            total_points: 7,
            buckets: vec![
                Bucket {
                    x_first: 0.0,
                    x_last: 3.0,
                    min: Num(-1.0),
                    max: Num(f64::NAN),
                    last: Num(2.5),
                    count: 4,
                    x_min: Some(1.0),
                    x_max: Some(2.0),
                    min_positive: Some(2.5),
                    non_positive: 1,
                },
                Bucket {
                    x_first: 4.0,
                    x_last: 6.0,
                    min: Num(0.5),
                    max: Num(f64::INFINITY),
                    last: Num(0.5),
                    count: 3,
                    x_min: Some(4.0),
                    x_max: Some(6.0),
                    min_positive: None,
                    non_positive: 0,
                },
            ],
        };
        let json = serde_json::to_string(&CurveColumns::from_series(&s)).unwrap();
        let back: CurveColumns = serde_json::from_str(&json).unwrap();
        let got = back.into_series("loss", "step").unwrap();
        assert_eq!(got.buckets[1], s.buckets[1]);
        assert!(got.buckets[0].max.0.is_nan());
        assert_eq!(
            (got.buckets[0].x_min, got.buckets[0].min_positive),
            (Some(1.0), Some(2.5))
        );
        let mut ragged = CurveColumns::from_series(&s);
        ragged.last.pop();
        assert!(ragged.into_series("loss", "step").is_none());
    }
}

/// Every metric of these runs as it stood at `step`: each series' point at the greatest step at
/// or before it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AtStepRequest {
    pub run_ids: Vec<String>,
    pub step: i64,
}

/// One series' point at (or last before) the asked step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValueAtStep {
    pub run_id: String,
    pub key: String,
    /// The step the value was logged at (at most the asked one).
    pub step: i64,
    pub value: Num,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AtStep {
    pub step: i64,
    /// By run (in the order asked), then key; a series with no point by then is left out.
    pub values: Vec<ValueAtStep>,
}
