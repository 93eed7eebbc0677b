//! Run History Workbench: a run-history store and server speaking the MLflow REST API, the clients,
//! CLI and workbench over it. Layers point one way: store <- server <- (HTTP) <- client <- cli / ui;
//! Cargo features keep the lower end (wire types, HTTP client, Rust logger) buildable alone.

pub mod api;
pub mod client;
pub mod format;
pub mod paths;
pub mod series;

#[cfg(feature = "server")]
pub mod connect;
#[cfg(feature = "server")]
pub mod follow;
#[cfg(feature = "server")]
pub mod mlflow_store;
#[cfg(feature = "server")]
pub mod query;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub mod store;
#[cfg(feature = "server")]
pub mod tensorboard;

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "cli")]
pub mod project;

#[cfg(feature = "workbench")]
pub mod ui;
