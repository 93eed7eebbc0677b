//! The file side of the Rust logger: an artifact path checked before it is queued, quoted for
//! the URL it goes to, and the name an image logged at a step gets (MLflow's, so that MLflow and
//! the workbench each show the other's).

use std::path::Path;

/// A path inside the run's artifacts, `/`-separated: refused when empty or when a part is `.` or
/// `..` (it could leave the run's folder).
pub fn artifact_path(path: &str) -> Result<String, String> {
    let parts: Vec<&str> = path.split(['/', '\\']).filter(|s| !s.is_empty()).collect();
    if parts.is_empty() || parts.iter().any(|s| *s == "." || *s == ".." || s.contains('\0')) {
        return Err(format!("upload({path:?}): not a valid artifact path"));
    }
    Ok(parts.join("/"))
}

/// Each part of a `/`-separated path percent-encoded for a URL, the `/`s kept.
pub fn quoted(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where an image logged under `name` goes: `images/<file name>`, or at a step
/// `images/<key>+step+<step>+timestamp+<ms>+<unique>.<ext>` as MLflow's `log_image(key=, step=)`
/// names it (its key: letters, digits, `_ - . space`, a `/` written `~`).
pub fn image_artifact(name: &str, file: &Path, step: Option<i64>, now_ms: i64) -> String {
    let Some(step) = step else {
        let base = file
            .file_name()
            .map_or("image.png".into(), |f| f.to_string_lossy().into_owned());
        return format!("images/{base}");
    };
    let key: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | '/') {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .replace('/', "~");
    let ext = file.extension().map_or(".png".to_string(), |e| {
        format!(".{}", e.to_string_lossy().to_lowercase())
    });
    format!(
        "images/{key}+step+{step}+timestamp+{now_ms}+{:032x}{ext}",
        rand::random::<u128>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_checked_and_quoted_and_images_named_as_mlflow_names_them() {
        assert_eq!(artifact_path("a\\b//c.txt").as_deref(), Ok("a/b/c.txt"));
        for bad in ["", "/", "../x", "a/./b", "a/../../b"] {
            assert!(artifact_path(bad).is_err(), "{bad:?}");
        }
        assert_eq!(quoted("images/a b+step+1.png"), "images/a%20b%2Bstep%2B1.png");
        assert_eq!(image_artifact("x", Path::new("/tmp/cm.png"), None, 5), "images/cm.png");
        let stepped = image_artifact("val/cm (a)", Path::new("/tmp/cm.JPG"), Some(7), 1_700);
        assert!(
            stepped.starts_with("images/val~cm _a_+step+7+timestamp+1700+") && stepped.ends_with(".jpg"),
            "{stepped}"
        );
    }
}
