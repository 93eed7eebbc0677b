//! Where a model version's files are: MLflow's rules for a source (no relative references that
//! could reach the server's own files, local paths only inside the run's or model's artifacts),
//! `models:/` URIs, and the folder of this server's artifacts a location names.

use super::{Result, StoreError};

/// An artifact URI taken apart: scheme (lowercased, empty for a plain path), authority and path.
#[derive(Debug, Clone, PartialEq)]
pub struct Uri<'a> {
    pub scheme: String,
    pub authority: Option<&'a str>,
    pub path: &'a str,
}

/// Splits `scheme://authority/path` (or `scheme:/path`, or a plain path); query and fragment dropped.
pub fn parse_uri(text: &str) -> Uri<'_> {
    let scheme_end = text.find(':').filter(|&i| {
        let s = &text[..i];
        // One letter is a Windows drive, not a scheme.
        s.len() > 1
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    let (scheme, rest) = match scheme_end {
        Some(i) => (text[..i].to_ascii_lowercase(), &text[i + 1..]),
        None => (String::new(), text),
    };
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    match rest.strip_prefix("//") {
        Some(after) if !scheme.is_empty() => {
            let end = after.find('/').unwrap_or(after.len());
            Uri {
                scheme,
                authority: Some(&after[..end]),
                path: &after[end..],
            }
        }
        _ => Uri {
            scheme,
            authority: None,
            path: rest,
        },
    }
}

/// A plain path, or a `file:` URI on this machine.
pub fn is_local(source: &str) -> bool {
    let u = parse_uri(source);
    u.scheme.is_empty() || (u.scheme == "file" && matches!(u.authority, None | Some("") | Some("localhost")))
}

/// Percent-decodes (and `+` as a space) until nothing changes, as a server decoding twice would.
fn fully_decoded(text: &str) -> String {
    let mut current = text.to_string();
    loop {
        let next = decode_once(&current);
        if next == current {
            return current;
        }
        current = next;
    }
}

fn decode_once(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Refuses a non-local source whose path, once decoded, could step out of where it points: `..`
/// or `.` segments, a NUL, or a relative path.
pub fn check_no_relative_references(source: &str) -> Result<()> {
    let decoded = fully_decoded(source);
    let uri = parse_uri(&decoded);
    let mut path = uri.path.to_string();
    while path.contains("//") {
        path = path.replace("//", "/");
    }
    let path = path.trim_end_matches('/');
    let bad = decoded.contains('\0')
        || decoded.split('/').any(|seg| seg == "..")
        || path.split('/').skip(1).any(|seg| seg == ".")
        || (!path.is_empty() && !path.starts_with('/'));
    if bad {
        return Err(StoreError::Invalid(format!(
            "Invalid model version source: '{source}'. If supplying a source as an http, https, local file path, \
             ftp, object store or mlflow-artifacts URI, give an absolute path with no relative path references \
             ('..' or '.')."
        )));
    }
    Ok(())
}

/// The local path a plain path or `file:` URI names, with `.` and `..` worked out lexically.
pub fn local_path(source: &str) -> std::path::PathBuf {
    let path = match parse_uri(source) {
        u if u.scheme == "file" => fully_decoded(u.path),
        _ => source.to_string(),
    };
    let mut out = std::path::PathBuf::from("/");
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out
}

/// What a `models:/` URI names.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelUri {
    /// `models:/m-...`: a logged model.
    LoggedModel(String),
    /// `models:/name/3`.
    Version(String, i64),
    /// `models:/name@alias`.
    Alias(String, String),
    /// `models:/name/Production`, or `models:/name/latest` (stage None: any).
    Latest(String, Option<&'static str>),
}

/// Reads a `models:/` URI; None when the text is not one.
pub fn parse_model_uri(text: &str) -> Option<Result<ModelUri>> {
    let rest = text.strip_prefix("models:/")?;
    let bad = || StoreError::Invalid(format!("Not a proper models:/ URI: '{text}'"));
    let rest = rest.trim_start_matches('/').trim_end_matches('/');
    let parsed = if let Some((name, alias)) = rest.split_once('@') {
        (!name.is_empty() && !alias.is_empty() && !alias.contains('/'))
            .then(|| ModelUri::Alias(name.into(), alias.into()))
    } else {
        match rest.split_once('/') {
            None if !rest.is_empty() => Some(ModelUri::LoggedModel(rest.into())),
            Some((name, tail)) if !name.is_empty() && !tail.contains('/') => {
                if let Ok(v) = tail.parse::<i64>() {
                    Some(ModelUri::Version(name.into(), v))
                } else if tail.eq_ignore_ascii_case("latest") {
                    Some(ModelUri::Latest(name.into(), None))
                } else {
                    crate::api::registry::canonical_stage(tail).map(|s| ModelUri::Latest(name.into(), Some(s)))
                }
            }
            _ => None,
        }
    };
    Some(parsed.ok_or_else(bad))
}

/// The path below the artifact root that a location of this server names: `mlflow-artifacts:`
/// URIs, and the proxy's own HTTP address. None for a location elsewhere.
pub fn proxied_path(location: &str) -> Option<String> {
    let u = parse_uri(location);
    match u.scheme.as_str() {
        "mlflow-artifacts" => Some(u.path.trim_matches('/').to_string()),
        "http" | "https" => u
            .path
            .split_once(crate::api::routes::ARTIFACTS)
            .map(|(_, p)| p.trim_matches('/').to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_with_relative_references_are_refused_wherever_they_hide() {
        for (source, ok) in [
            ("mlflow-artifacts:/models", true),
            ("mlflow-artifacts:/models/", true),
            ("mlflow-artifacts:/models///", true),
            ("mlflow-artifacts:/models/foo///bar", true),
            ("mlflow-artifacts://host:9000/models", true),
            ("mlflow-artifacts://host:9000/models/artifact/..../", true),
            ("mlflow-artifacts:", true),
            ("s3://bucket/path/model", true),
            ("mlflow-artifacts://host:9000/models/../../../", false),
            ("http://host:9000/models/../../../", false),
            ("https://host/api/2.0/mlflow-artifacts/artifacts/../../../", false),
            ("s3a://my_bucket/api/2.0/mlflow-artifacts/artifacts/../../../", false),
            ("mlflow-artifacts://host:9000/models/..%2f..%2fartifacts", false),
            ("mlflow-artifacts://host:9000/models/..%252f..%252fartifacts", false),
            ("mlflow-artifacts://host:9000/models/artifact%00", false),
            ("dbfs:/run/artifacts/a%3f/../../../", false),
            ("s3://bucket/./x", false),
        ] {
            assert_eq!(check_no_relative_references(source).is_ok(), ok, "{source}");
        }
    }

    #[test]
    fn uris_are_taken_apart() {
        let u = parse_uri("mlflow-artifacts://host:9000/a/b?x=1");
        assert_eq!(
            (u.scheme.as_str(), u.authority, u.path),
            ("mlflow-artifacts", Some("host:9000"), "/a/b")
        );
        let u = parse_uri("/tmp/x");
        assert_eq!((u.scheme.as_str(), u.path), ("", "/tmp/x"));
        for (source, local) in [
            ("/tmp/x", true),
            ("file:///tmp/x", true),
            ("file://localhost/tmp", true),
            ("file://123.456.789.123/path", false),
            ("mlflow-artifacts:/x", false),
            ("C:/models", true),
        ] {
            assert_eq!(is_local(source), local, "{source}");
        }
        assert_eq!(local_path("file:///a/b/../c/./d"), std::path::PathBuf::from("/a/c/d"));
        for (loc, want) in [
            ("mlflow-artifacts:/1/r/artifacts/model", Some("1/r/artifacts/model")),
            ("mlflow-artifacts:", Some("")),
            ("http://h:5000/api/2.0/mlflow-artifacts/artifacts/1/m", Some("1/m")),
            ("s3://bucket/x", None),
        ] {
            assert_eq!(proxied_path(loc).as_deref(), want, "{loc}");
        }
    }

    #[test]
    fn model_uris_name_a_logged_model_a_version_an_alias_or_a_stage() {
        for (text, want) in [
            ("models:/m-abc", Some(ModelUri::LoggedModel("m-abc".into()))),
            ("models:/iris/3", Some(ModelUri::Version("iris".into(), 3))),
            (
                "models:/iris@champion",
                Some(ModelUri::Alias("iris".into(), "champion".into())),
            ),
            (
                "models:/iris/production",
                Some(ModelUri::Latest("iris".into(), Some("Production"))),
            ),
            ("models:/iris/latest", Some(ModelUri::Latest("iris".into(), None))),
            ("models:/iris/nostage", None),
            ("models:/a/b/c", None),
        ] {
            assert_eq!(parse_model_uri(text).unwrap().ok(), want, "{text}");
        }
        assert!(parse_model_uri("runs:/x/model").is_none());
    }
}
