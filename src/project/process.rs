//! The script's process: how it is started, stopped and how its end is read.

use crate::api::ext::RunStatus;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// How long a canceled script has to exit after SIGTERM before SIGKILL.
const CANCEL_GRACE: Duration = Duration::from_secs(5);

/// How a script is started: by its extension, with arguments as a list (never through a shell).
pub fn command_for(script: &Path) -> (PathBuf, Vec<String>) {
    let path = script.to_string_lossy().to_string();
    match script.extension().and_then(|e| e.to_str()) {
        Some("py") => {
            let python = std::env::var("RUNHISTORY_PYTHON").unwrap_or_else(|_| "python3".into());
            (PathBuf::from(python), vec!["-u".into(), path])
        }
        Some("sh") => (PathBuf::from("bash"), vec![path]),
        _ => (script.to_path_buf(), Vec::new()),
    }
}

/// The git commit of the project folder, when it is a checkout.
pub(super) fn git_commit(project: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(project)
        .args(["rev-parse", "HEAD"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let id = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !id.is_empty()).then_some(id)
}

/// SIGTERM to the script's process group, SIGKILL after the grace period.
#[allow(unsafe_code, reason = "libc::kill is the one way to signal a whole process group")]
pub(super) async fn terminate(child: &mut tokio::process::Child) -> std::io::Result<std::process::ExitStatus> {
    #[cfg(unix)]
    if let Some(pid) = child.id() {
        // SAFETY: kill() only sends a signal; a negative pid names the group we created.
        unsafe {
            libc::kill(-(pid as i32), libc::SIGTERM);
        }
        if let Ok(s) = tokio::time::timeout(CANCEL_GRACE, child.wait()).await {
            return s;
        }
        // SAFETY: as above.
        unsafe {
            libc::kill(-(pid as i32), libc::SIGKILL);
        }
    }
    child.start_kill()?;
    child.wait().await
}

/// Completed on exit 0, Failed otherwise; Canceled when we stopped it; Lost when something else
/// killed it outright (SIGKILL: the OOM killer, a kill -9), with the shell's 128 + signal code.
pub(super) fn classify(status: std::process::ExitStatus, canceled: bool) -> (RunStatus, Option<i32>) {
    if canceled {
        return (RunStatus::Canceled, status.code());
    }
    if let Some(code) = status.code() {
        return (
            if code == 0 {
                RunStatus::Completed
            } else {
                RunStatus::Failed
            },
            Some(code),
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            let lost = sig == libc::SIGKILL;
            return (if lost { RunStatus::Lost } else { RunStatus::Failed }, Some(128 + sig));
        }
    }
    (RunStatus::Failed, None)
}
