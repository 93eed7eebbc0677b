//! View models: what each view shows, computed as plain data so it can be tested without egui.

pub mod axes;
pub mod columns;
pub mod compare;
pub mod compare_page;
pub mod curves;
pub mod dashboard;
pub mod details;
pub mod export;
pub mod filter;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod grid;
pub mod groups;
pub mod jobs;
pub mod parallel;
pub mod raster;
pub mod registry;
pub mod run_page;
pub mod scatter;
pub mod series;
pub mod step_images;
