//! One series of one run as a chart needs it: min/max buckets for the visible x range at the
//! chart's pixel width, fetched again off the UI thread whenever the view changes.

use super::command::ChartView;
use super::fetch::{Fetch, Spawner};
use super::model::series::{ChartLine, SeriesOptions, XMode, chart_line};
use crate::api::ext::DownsampledSeries;
use crate::client::HistoryClient;

/// What was last asked of the server.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Request {
    x: XMode,
    range: Option<(i64, i64)>,
    buckets: usize,
}

pub struct SeriesFeed {
    pub run_id: String,
    pub key: String,
    pub run_start_ms: i64,
    fetch: Fetch<DownsampledSeries>,
    requested: Option<Request>,
    line: ChartLine,
    line_of: Option<(u64, SeriesOptions)>,
}

impl SeriesFeed {
    pub fn new(run_id: &str, key: &str, run_start_ms: i64) -> SeriesFeed {
        SeriesFeed {
            run_id: run_id.into(),
            key: key.into(),
            run_start_ms,
            fetch: Fetch::default(),
            requested: None,
            line: ChartLine::default(),
            line_of: None,
        }
    }

    /// Whether a chart showing `view` with x mode `x` needs new buckets: the x mode, the visible
    /// range or the width changed since the last read. None while a read is in flight (the last
    /// answer stays drawn meanwhile). Pure: the view asks this, the logic reads.
    pub fn wants(&self, x: XMode, view: ChartView) -> Option<ChartView> {
        if self.fetch.is_loading() {
            return None;
        }
        let want = self.request_for(x, view);
        match self.requested {
            Some(r) if close_enough(&r, &want) => None,
            _ => Some(view),
        }
    }

    fn request_for(&self, x: XMode, view: ChartView) -> Request {
        let range = match view.range {
            Some((lo, hi)) if hi > lo && self.has_data() => Some(x.server_range(lo, hi, self.run_start_ms)),
            _ => None,
        };
        Request {
            x,
            range,
            buckets: view.px.clamp(16, 4000),
        }
    }

    /// Reads the buckets for `view` off the UI thread (called by the logic, never while drawing).
    pub fn read(&mut self, spawner: &Spawner, client: &HistoryClient, x: XMode, view: ChartView) {
        if self.fetch.is_loading() {
            return;
        }
        let want = self.request_for(x, view);
        self.requested = Some(want);
        let (client, run, key, axis) = (client.clone(), self.run_id.clone(), self.key.clone(), x.server_axis());
        let Request { range, buckets, .. } = want;
        self.fetch.request(
            spawner,
            async move { client.series(&run, &key, axis, buckets, range).await },
        );
    }

    /// Takes a finished read and makes the line for these options; true when something changed.
    pub fn poll(&mut self, opts: &SeriesOptions) -> bool {
        let changed = self.fetch.poll();
        let stamp = (self.fetch.generation(), *opts);
        if self.line_of != Some(stamp)
            && let Some(s) = self.fetch.value()
        {
            self.line = chart_line(&s.buckets, opts, self.run_start_ms);
            self.line_of = Some(stamp);
            return true;
        }
        changed
    }

    /// The line as last made by `poll`.
    pub fn line(&self) -> &ChartLine {
        &self.line
    }

    pub fn total_points(&self) -> Option<u64> {
        self.fetch.value().map(|s| s.total_points)
    }

    pub fn error(&self) -> Option<String> {
        self.fetch.error().map(|e| e.message.clone())
    }

    pub fn is_loading(&self) -> bool {
        self.fetch.is_loading()
    }

    pub fn has_data(&self) -> bool {
        self.fetch.value().is_some()
    }

    /// Forgets what was asked, so the next frame reads again (new points were logged).
    pub fn invalidate(&mut self) {
        self.requested = None;
    }
}

/// Ranges that differ by less than half a bucket need no new read.
fn close_enough(a: &Request, b: &Request) -> bool {
    if a.x != b.x || a.buckets.abs_diff(b.buckets) > a.buckets / 10 {
        return false;
    }
    match (a.range, b.range) {
        (None, None) => true,
        (Some((a0, a1)), Some((b0, b1))) => {
            let tol = ((a1 - a0).max(1) as f64 / a.buckets as f64 / 2.0).max(0.5);
            ((a0 - b0).abs() as f64) < tol && ((a1 - b1).abs() as f64) < tol
        }
        _ => false,
    }
}
