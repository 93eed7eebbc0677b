//! What the registry's searches share: reading a tag, an `order_by` clause, sorting by the
//! clauses and cutting a page, within MLflow's bounds.

use super::search::{decode_offset, encode_offset};
use super::{Result, StoreError};
use crate::api::KeyValue;
use crate::query::{self, Field, FieldValue, Subject};
use std::cmp::Ordering;

/// A tag's value, as a registry search reads it.
pub(super) fn tag_field(tags: &[KeyValue], key: &str) -> Option<FieldValue> {
    tags.iter()
        .find(|t| t.key == key)
        .map(|t| FieldValue::Str(t.value.clone()))
}

/// One `order_by` clause of a registry search: the field (canonical name) and its direction.
pub(super) fn order_clause(text: &str, valid: &[&str]) -> Result<(String, bool)> {
    let mut words = text.split_whitespace();
    let field = words.next().unwrap_or("");
    let field = field.strip_prefix("attributes.").unwrap_or(field);
    let field = if field == "timestamp" {
        "creation_timestamp"
    } else {
        field
    };
    let descending = match words.next().map(str::to_ascii_uppercase).as_deref() {
        None | Some("ASC") => false,
        Some("DESC") => true,
        Some(_) => return Err(StoreError::Invalid(format!("Invalid order_by clause '{text}'"))),
    };
    if !valid.contains(&field) || words.next().is_some() {
        return Err(StoreError::Invalid(format!(
            "Invalid order by key '{text}' specified. Valid keys are {}",
            valid.join(", ")
        )));
    }
    Ok((field.to_string(), descending))
}

/// Sorts by the clauses (a field with its direction), then pages; `limit` already checked.
pub(super) fn sort_and_page<T: Subject>(
    mut items: Vec<T>,
    order: &[(String, bool)],
    limit: i64,
    token: Option<&str>,
) -> Result<(Vec<T>, Option<String>)> {
    items.sort_by(|a, b| {
        for (field, descending) in order {
            let f = Field::Attr(field.clone());
            let o = query::order_values(&a.field(&f), &b.field(&f), *descending);
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    let offset = decode_offset(token)?;
    let total = items.len() as i64;
    let page: Vec<T> = items.into_iter().skip(offset as usize).take(limit as usize).collect();
    Ok((page, (offset + limit < total).then(|| encode_offset(offset + limit))))
}

/// A search's page size within MLflow's bounds.
pub(super) fn page_size(given: Option<i64>, default: i64, max: i64) -> Result<i64> {
    let n = given.unwrap_or(default);
    if !(1..=max).contains(&n) {
        return Err(StoreError::Invalid(format!(
            "Invalid value {n} for parameter 'max_results' supplied. It must be at most {max}, and positive."
        )));
    }
    Ok(n)
}
