//! How numbers, times and durations read on screen and in the terminal: one home for the CLI and
//! the workbench.

/// A number with six significant digits and no trailing zeros (Python's `%g`).
pub fn g(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let exp = v.abs().log10().floor() as i32;
    if !(-4..6).contains(&exp) {
        let s = format!("{v:.5e}");
        let (mantissa, e) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let decimals = (5 - exp).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A count with its thousands grouped: `2,000,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 run`, `8 runs`, `1,000 runs`: a count with its noun.
pub fn runs(n: usize) -> String {
    match n {
        1 => "1 run".into(),
        n => format!("{} runs", count(n as u64)),
    }
}

/// A whole number short enough for an axis tick: `950`, `9500`, `20k`, `1.5M`, `2B`.
pub fn short_int(v: i64) -> String {
    let a = v.unsigned_abs() as f64;
    let (scaled, unit) = match a {
        a if a < 10_000.0 => return v.to_string(),
        a if a < 1e6 => (a / 1e3, "k"),
        a if a < 1e9 => (a / 1e6, "M"),
        a => (a / 1e9, "B"),
    };
    let text = format!("{scaled:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{}{text}{unit}", if v < 0 { "-" } else { "" })
}

/// A time as a person reads it on their desktop: local, to the second.
pub fn fmt_time(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string(),
        None => String::new(),
    }
}

/// A duration in the largest units that matter: `850 ms`, `4.9 s`, `3 m 12 s`, `2 h 05 m`.
pub fn fmt_duration(ms: i64) -> String {
    let ms = ms.max(0);
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        60_000..3_600_000 => format!("{} m {:02} s", ms / 60_000, ms % 60_000 / 1000),
        _ => format!("{} h {:02} m", ms / 3_600_000, ms % 3_600_000 / 60_000),
    }
}

/// Rows as CSV (RFC 4180): a field with a comma, quote or line break is quoted, quotes doubled.
pub fn csv(headers: &[String], rows: &[Vec<String>]) -> String {
    let field = |f: &str| {
        if f.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", f.replace('"', "\"\""))
        } else {
            f.to_string()
        }
    };
    let mut out = String::new();
    for line in std::iter::once(headers).chain(rows.iter().map(Vec::as_slice)) {
        let fields: Vec<String> = line.iter().map(|f| field(f)).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// A database URL as it may be shown: `postgres://user:secret@host/db` as `postgres://user@host/db`.
pub fn without_password(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, rest)), Some(_)) => {
            let (who, place) = rest.rsplit_once('@').unwrap_or(("", rest));
            let user = who.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{place}")
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_thousands_and_ticks_shorten_them() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(157_128), "157,128");
        assert_eq!(count(2_000_000), "2,000,000");
        assert_eq!(
            (runs(1), runs(0), runs(1000)),
            ("1 run".into(), "0 runs".into(), "1,000 runs".into())
        );
        for (v, want) in [
            (950, "950"),
            (9_500, "9500"),
            (20_000, "20k"),
            (1_250_000, "1.25M"),
            (-300_000, "-300k"),
            (2_000_000_000, "2B"),
            (1_234_567, "1.235M"),
        ] {
            assert_eq!(short_int(v), want);
        }
    }

    #[test]
    fn numbers_print_like_pythons_g() {
        for (v, want) in [
            (0.6792452830188679, "0.679245"),
            (0.078125, "0.078125"),
            (10.0, "10"),
            (1.25, "1.25"),
            (1234567.0, "1.23457e+06"),
            (0.00001234, "1.234e-05"),
            (0.0, "0"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(g(v), want, "{v}");
        }
    }

    #[test]
    fn durations_use_the_largest_units_that_matter() {
        for (ms, want) in [
            (-5, "0 ms"),
            (850, "850 ms"),
            (4_900, "4.9 s"),
            (192_000, "3 m 12 s"),
            (7_500_000, "2 h 05 m"),
        ] {
            assert_eq!(fmt_duration(ms), want, "{ms}");
        }
    }

    #[test]
    fn times_are_local_to_the_second_and_empty_when_out_of_range() {
        assert_eq!(fmt_time(1_700_000_000_000).len(), "2023-11-14 22:13:20".len());
        assert_eq!(fmt_time(i64::MAX), "");
    }
}
