//! Run History Workbench: a run-history store and server speaking the MLflow REST API, the clients
//! and CLI over it. Layers point one way: store <- server <- (HTTP) <- client <- cli.

pub mod api;
pub mod cli;
pub mod client;
pub mod paths;
pub mod project;
pub mod query;
pub mod series;
pub mod server;
pub mod store;
pub mod ui;
