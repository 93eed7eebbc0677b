use super::*;
use crate::mlflow_store::file_source::FileSource;

#[test]
fn the_same_points_make_the_same_batch_id() {
    let p = [("loss".to_string(), 0, 10)];
    let a = batch_id("r", &p);
    assert_eq!(a, batch_id("r", &p));
    assert_ne!(a, batch_id("r", &[("loss".to_string(), 10, 20)]));
    assert_ne!(a, batch_id("s", &p));
}

const A: &str = "0123456789abcdef0123456789abcdef";
const B: &str = "fedcba9876543210fedcba9876543210";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn run_meta(root: &Path, id: &str, stage: &str, status: u8, artifact_uri: &Path) {
    write(
        &root.join("0").join(id).join("meta.yaml"),
        &format!(
            "artifact_uri: {}\nexperiment_id: '0'\nlifecycle_stage: {stage}\nrun_id: {id}\nrun_name: {id}\n\
             start_time: 1700000000000\nstatus: {status}\nuser_id: u\n",
            artifact_uri.display()
        ),
    );
}

/// A folder store of the Default experiment: run A's artifact location is a folder MLflow would
/// not name (it must not be served); run B is in the trash.
fn mlruns(dir: &Path) -> PathBuf {
    let root = dir.join("mlruns");
    write(
        &root.join("0/meta.yaml"),
        "experiment_id: '0'\nlifecycle_stage: active\nname: Default\n",
    );
    std::fs::create_dir_all(dir.join("private")).unwrap();
    write(&dir.join("private/key"), "secret");
    run_meta(&root, A, "active", 3, &dir.join("private"));
    write(&root.join("0").join(A).join("metrics/loss"), "1 0.5 0\n");
    run_meta(&root, B, "deleted", 1, &root.join("0").join(B).join("artifacts"));
    write(&root.join("0").join(B).join("metrics/loss"), "1 0.5 0\n");
    root
}

fn roots(dir: &Path) -> ArtifactRoots {
    ArtifactRoots {
        relative_to: dir.to_path_buf(),
        proxied: dir.join("mlartifacts"),
    }
}

#[test]
fn a_folder_not_laid_out_as_mlflow_lays_out_artifacts_is_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let root = mlruns(dir.path());
    let store = Store::open(dir.path().join("index")).unwrap();
    let source = Box::new(FileSource::open(&root).unwrap());
    let synced = Mirror::new(source, roots(dir.path()), Mode::InPlace)
        .sync(&store)
        .unwrap();
    assert!(
        synced
            .warnings
            .iter()
            .any(|w| w.contains("private") && w.contains("not read")),
        "{:?}",
        synced.warnings
    );
    let place = store.run_artifact_path(A, "key").unwrap();
    assert!(
        !store
            .artifact_file(&place)
            .unwrap()
            .starts_with(dir.path().join("private"))
    );
    assert!(store.all_artifacts(A).unwrap().is_empty());
}

#[test]
fn a_run_restored_there_is_restored_here_and_takes_its_new_points() {
    let dir = tempfile::tempdir().unwrap();
    let root = mlruns(dir.path());
    let store = Store::open(dir.path().join("index")).unwrap();
    let source = Box::new(FileSource::open(&root).unwrap());
    let mut mirror = Mirror::new(source, roots(dir.path()), Mode::InPlace);
    mirror.sync(&store).unwrap();
    assert_eq!(store.get_run(B).unwrap().lifecycle_stage, "deleted");
    // Restored in MLflow, and it logs on.
    let artifacts = root.join("0").join(B).join("artifacts");
    run_meta(&root, B, "active", 1, &artifacts);
    write(&root.join("0").join(B).join("metrics/loss"), "1 0.5 0\n2 0.25 1\n");
    let synced = mirror.sync(&store).unwrap();
    assert_eq!(synced.points, 1, "{:?}", synced.warnings);
    let run = store.get_run(B).unwrap();
    assert_eq!((run.lifecycle_stage.as_str(), run.metrics["loss"].count), ("active", 2));
    // Nothing new: the same again changes nothing.
    assert_eq!(mirror.sync(&store).unwrap().points, 0);
}
