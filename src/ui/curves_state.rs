//! The dashboard's learning curves: for each chart on screen, the buckets of its metric for every
//! run in view, read in one bulk request. A new view (zoom, width, x axis) reads every run again;
//! otherwise only the runs whose point count changed since the last read (live runs) are read.

use super::command::ChartView;
use super::fetch::{Fetch, FetchError, Spawner};
use super::model::curves::{CurveChart, curve_chart};
use super::model::groups::Grouping;
use super::model::series::{SeriesOptions, XMode};
use super::settings::CurveSettings;
use crate::api::ext::{DownsampledSeries, RunDetail};
use crate::api::limits::{MAX_CURVE_BUCKETS, MAX_CURVE_BUCKETS_PER_RUN};
use crate::client::HistoryClient;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// What a read covers: the x mode (and with x "Metric", which metric), the chart's visible x
/// range (None: whole series) and width.
#[derive(Debug, Clone, PartialEq)]
struct Window {
    x: XMode,
    x_key: Option<String>,
    view: ChartView,
}

impl Window {
    fn new(x: XMode, x_key: Option<&str>, view: ChartView) -> Window {
        // Without a metric chosen, x "Metric" reads steps.
        let (x, x_key) = match (x, x_key) {
            (XMode::Metric, Some(k)) => (x, Some(k.to_string())),
            (XMode::Metric, None) => (XMode::Step, None),
            (x, _) => (x, None),
        };
        Window { x, x_key, view }
    }
}

/// What a chart's read is for: its metric, its x (with x "Metric", which metric), the chart's
/// view, and the runs in view with the stamp of their listing.
#[derive(Clone, Copy)]
pub struct ChartRead<'a> {
    pub key: &'a str,
    pub x: (XMode, Option<&'a str>),
    pub view: ChartView,
    pub runs: &'a [&'a RunDetail],
    pub runs_generation: u64,
}

/// One finished read: its window, whether it replaces what is held, and each run's count asked.
struct Read {
    window: Window,
    whole: bool,
    asked: Vec<(String, i64)>,
    series: Vec<DownsampledSeries>,
    runs_generation: u64,
}

/// How the charts draw their curves: the series options, and the grouping if any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurveLook {
    pub opts: SeriesOptions,
    pub grouping: Option<Grouping>,
    /// Charts with options of their own, by key.
    pub per_chart: BTreeMap<String, SeriesOptions>,
}

impl CurveLook {
    /// How the chart of `key` draws.
    fn of(&self, key: &str) -> CurveLook {
        CurveLook {
            opts: self.per_chart.get(key).copied().unwrap_or(self.opts),
            grouping: self.grouping.clone(),
            per_chart: BTreeMap::new(),
        }
    }
}

/// What a refresh read, for the benchmark and the status line: runs, buckets.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReadSize {
    pub runs: usize,
    pub buckets: usize,
}

/// One chart's curves.
#[derive(Default)]
pub struct CurveFeed {
    fetch: Fetch<Read>,
    window: Option<Window>,
    held: HashMap<String, DownsampledSeries>,
    counts: HashMap<String, i64>,
    synced: Option<u64>,
    merged: u64,
    chart: Arc<CurveChart>,
    chart_of: Option<(u64, CurveLook, u64)>,
    pub last_read: ReadSize,
}

impl CurveFeed {
    /// Whether a chart showing `view` needs a read: a different window, or runs refreshed since
    /// the last read. None while a read is in flight (the last lines stay drawn). Pure: the view
    /// asks this every frame, the logic reads.
    pub fn wants(&self, x: XMode, x_key: Option<&str>, view: ChartView, runs_generation: u64) -> Option<ChartView> {
        if self.fetch.is_loading() {
            return None;
        }
        let want = Window::new(x, x_key, view);
        let same = self.window.as_ref().is_some_and(|w| close_enough(w, &want));
        (!same || self.synced != Some(runs_generation)).then_some(view)
    }

    pub fn chart(&self) -> &Arc<CurveChart> {
        &self.chart
    }

    pub fn is_loading(&self) -> bool {
        self.fetch.is_loading()
    }

    /// Nothing read yet (the chart says it is reading rather than show empty axes).
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    pub fn error(&self) -> Option<&FetchError> {
        self.fetch.error()
    }

    fn read(&mut self, wanted: &ChartRead<'_>, spawner: &Spawner, client: &HistoryClient) {
        let ChartRead {
            key,
            x: (x, x_key),
            view,
            runs,
            runs_generation,
        } = *wanted;
        if self.fetch.is_loading() {
            return;
        }
        let window = Window::new(x, x_key, view);
        let whole = !self.window.as_ref().is_some_and(|w| close_enough(w, &window));
        let asked: Vec<(String, i64)> = runs
            .iter()
            .filter_map(|r| Some((r.run_id.clone(), r.metrics.get(key)?.count)))
            .filter(|(id, count)| whole || self.counts.get(id) != Some(count))
            .collect();
        if asked.is_empty() && !whole {
            self.synced = Some(runs_generation);
            return;
        }
        let buckets = view
            .px
            .clamp(16, MAX_CURVE_BUCKETS_PER_RUN)
            .min(MAX_CURVE_BUCKETS / asked.len().max(1))
            .max(1);
        let visible = view.range.filter(|(lo, hi)| hi > lo);
        let range = visible.map(|(lo, hi)| server_range(window.x, lo, hi, runs));
        self.last_read = ReadSize {
            runs: asked.len(),
            buckets: 0,
        };
        let (client, key, ids) = (
            client.clone(),
            key.to_string(),
            asked.iter().map(|a| a.0.clone()).collect::<Vec<_>>(),
        );
        let axis = window.x.server_axis();
        let over = window.x_key.clone();
        self.fetch.request(spawner, async move {
            let series = match over {
                Some(x_key) => {
                    let x_range = visible.map(|(lo, hi)| [lo, hi]);
                    client.curves_over_metric(&key, &x_key, &ids, buckets, x_range).await?
                }
                None => client.curves(&key, &ids, axis, buckets, range).await?,
            };
            Ok::<_, crate::client::ClientError>(Read {
                window,
                whole,
                asked,
                series,
                runs_generation,
            })
        });
    }

    /// Takes a finished read into what is held and rebuilds the chart when its inputs changed;
    /// true when something changed.
    fn poll(&mut self, key: &str, runs: &[&RunDetail], runs_generation: u64, look: &CurveLook) -> bool {
        let mut changed = self.fetch.poll();
        if let Some(read) = self.fetch.take_value() {
            if read.whole {
                self.held.clear();
                self.counts.clear();
            }
            self.last_read.buckets = read.series.iter().map(|s| s.buckets.len()).sum();
            self.counts.extend(read.asked);
            for s in read.series {
                self.held.insert(s.run_id.clone(), s);
            }
            self.window = Some(read.window);
            self.synced = Some(read.runs_generation);
            self.merged += 1;
            changed = true;
        }
        let stamp = (self.merged, look.clone(), runs_generation);
        if self.chart_of.as_ref() != Some(&stamp) {
            self.chart = Arc::new(curve_chart(key, runs, &self.held, &look.opts, look.grouping.as_ref()));
            self.chart_of = Some(stamp);
            changed = true;
        }
        changed
    }
}

/// The server's x range for a visible chart range. With relative time each run has its own
/// start, and one read has one range: it covers every run's window.
fn server_range(x: XMode, lo: f64, hi: f64, runs: &[&RunDetail]) -> (i64, i64) {
    if x != XMode::Relative {
        return x.server_range(lo, hi, 0);
    }
    let starts = runs.iter().map(|r| r.start_time.unwrap_or(r.created_time));
    let (first, last) = starts.fold((i64::MAX, i64::MIN), |(a, b), s| (a.min(s), b.max(s)));
    if first > last {
        return x.server_range(lo, hi, 0);
    }
    (x.server_range(lo, hi, first).0, x.server_range(lo, hi, last).1)
}

/// Windows whose ranges differ by less than half a bucket (and widths by under a tenth) need no new read.
fn close_enough(a: &Window, b: &Window) -> bool {
    if a.x != b.x || a.x_key != b.x_key || a.view.px.abs_diff(b.view.px) > a.view.px / 10 {
        return false;
    }
    match (a.view.range, b.view.range) {
        (None, None) => true,
        (Some((a0, a1)), Some((b0, b1))) => {
            let tol = (a1 - a0).abs() / a.view.px.max(1) as f64 / 2.0;
            (a0 - b0).abs() <= tol && (a1 - b1).abs() <= tol
        }
        _ => false,
    }
}

/// Every chart's feed, by metric key; a feed is made when its chart first comes on screen.
#[derive(Default)]
pub struct CurvesState {
    feeds: BTreeMap<String, CurveFeed>,
    /// The runs stamp and look the charts were last built for.
    built_for: Option<(u64, CurveLook)>,
}

impl CurvesState {
    pub fn feed(&self, key: &str) -> Option<&CurveFeed> {
        self.feeds.get(key)
    }

    /// Forgets every chart (another experiment was chosen).
    pub fn clear(&mut self) {
        self.feeds.clear();
        self.built_for = None;
    }

    pub fn is_loading(&self) -> bool {
        self.feeds.values().any(CurveFeed::is_loading)
    }

    /// Reads a chart's buckets for the runs in view (a feed is made for a chart new on screen).
    pub fn read(&mut self, wanted: &ChartRead<'_>, spawner: &Spawner, client: &HistoryClient) {
        self.feeds
            .entry(wanted.key.to_string())
            .or_default()
            .read(wanted, spawner, client);
    }

    /// Takes finished reads and rebuilds the charts whose inputs changed.
    pub fn poll(&mut self, runs: &[&RunDetail], runs_generation: u64, look: &CurveLook) -> bool {
        let mut changed = false;
        for (key, feed) in &mut self.feeds {
            changed |= feed.poll(key, runs, runs_generation, &look.of(key));
        }
        self.built_for = Some((runs_generation, look.clone()));
        changed
    }

    /// Whether `poll` has anything to do: a read in flight (or just landed), or runs or settings
    /// other than the charts were built for. Cheap, so the logic asks it every frame and gathers
    /// the runs in view only when it must.
    pub fn needs_poll(&self, runs_generation: u64, settings: &CurveSettings) -> bool {
        self.is_loading()
            || !self.built_for.as_ref().is_some_and(|(g, look)| {
                *g == runs_generation
                    && look.opts == settings.options
                    && look.grouping == settings.grouping
                    && look.per_chart == settings.per_chart
            })
    }
}
