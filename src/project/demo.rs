//! The seed's walkthrough as a demo: an iris project (stdlib-only Python, data shipped) and its
//! eight tracked runs over the regularization rates of the original, started side by side, in the
//! experiment named after the folder (as every project's runs are).

use super::launch::{Job, LaunchSpec, start};
use crate::client::HistoryClient;
use std::path::Path;

pub const DEMO_SCRIPT: &str = "iris_train.py";
/// The regularization rates of the seed's eight runs, in the order they were started.
pub const DEMO_RATES: [&str; 8] = ["10", "5", "2.5", "1.25", "0.625", "0.3125", "0.15625", "0.078125"];

const FILES: &[(&str, &str)] = &[
    (DEMO_SCRIPT, include_str!("../../assets/demo/iris_train.py")),
    ("iris.csv", include_str!("../../assets/demo/iris.csv")),
    (".gitignore", "outputs/\n.runhistory/\n__pycache__/\n"),
    (
        "README.md",
        "# Iris demo\n\nA logistic regression on Fisher's iris data (UCI Machine Learning Repository, CC BY 4.0).\n\n    runhistory run iris_train.py 0.01\n\nlogs \"Regularization Rate\" and \"Accuracy\" and writes outputs/cm.png and outputs/model.pkl.\n",
    ),
];

/// Writes the demo project into `dir`, keeping any file already there (your edits stay).
pub fn write_project(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in FILES {
        let p = dir.join(name);
        if !p.exists() {
            std::fs::write(p, text)?;
        }
    }
    Ok(())
}

/// Starts the eight runs side by side (in the seed's order, so run numbers follow the rates).
pub async fn start_runs(client: &HistoryClient, dir: &Path) -> Result<Vec<Job>, super::ProjectError> {
    let mut jobs = Vec::new();
    for rate in DEMO_RATES {
        let spec = LaunchSpec::new(dir, DEMO_SCRIPT, vec![rate.into()], super::experiment_of(dir));
        jobs.push(start(client.clone(), spec).await?);
    }
    Ok(jobs)
}
