//! Ids and the clock every layer stamps with: run and batch ids, milliseconds since the epoch.

/// A new run id: 32 lowercase hex characters, as MLflow's.
pub fn new_run_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// A new batch id: what makes a re-sent batch (retry, spool replay) a no-op.
pub fn new_batch_id() -> String {
    new_run_id()
}

/// Milliseconds since the Unix epoch (0 on a clock set before it).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_hex_characters_and_differ() {
        let (a, b) = (new_run_id(), new_batch_id());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_clock_is_past_2020() {
        assert!(now_ms() > 1_577_836_800_000);
    }
}
