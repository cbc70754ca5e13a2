//! The SOQL a flow sends: fetch records by id (fresh data for notifications), poll by
//! `SystemModstamp`, and page through everything for "sync existing records".

use chrono::{DateTime, SecondsFormat, Utc};
use ferry_connectors::escape::soql_string;

use super::definition::FlowDefinition;
use super::mapping::ValueSource;
use super::settings::FlowSettings;

/// Every field the flow reads, each once, in a stable order.
pub fn select_fields(definition: &FlowDefinition, settings: &FlowSettings) -> Vec<String> {
    let mut fields: Vec<String> = vec![
        "Id".into(),
        "SystemModstamp".into(),
        definition.writeback_field.into(),
    ];
    if let Some(parent) = &definition.parent {
        fields.push(parent.reference_field.into());
        fields.push(format!(
            "{}.{}",
            parent.relationship, definition.writeback_field
        ));
    }
    let sources = settings
        .mappings
        .iter()
        .map(|m| &m.source)
        .chain(settings.lookup.primary.iter().map(|p| &p.source))
        .chain(settings.lookup.secondary.iter().map(|p| &p.source));
    let mut extra: Vec<String> = sources
        .filter_map(|s| match s {
            ValueSource::Field { field } => Some(field.as_str().to_owned()),
            _ => None,
        })
        .chain(settings.criteria.fields().map(|f| f.as_str().to_owned()))
        .collect();
    extra.sort();
    for field in extra {
        if !fields.iter().any(|f| f.eq_ignore_ascii_case(&field)) {
            fields.push(field);
        }
    }
    fields
}

/// The records with these ids, fresh.
pub fn fetch_by_ids(
    definition: &FlowDefinition,
    settings: &FlowSettings,
    ids: &[String],
) -> String {
    let list = ids
        .iter()
        .map(|id| soql_string(id))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {} FROM {} WHERE Id IN ({list})",
        select_fields(definition, settings).join(", "),
        definition.source_object
    )
}

/// A SOQL datetime literal (second precision, UTC).
pub fn datetime_literal(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses a `SystemModstamp` as Salesforce writes it (`2026-11-20T09:15:02.000+0000`).
pub fn parse_modstamp(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(value))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Changes since `watermark`. `>=` and not `>`: several records can share a second, and one
/// saved in the same second after the last poll must not be lost; the inbox drops the rows
/// already seen (same record, same modstamp).
pub fn poll_changes(definition: &FlowDefinition, watermark: DateTime<Utc>, limit: u32) -> String {
    format!(
        "SELECT Id, SystemModstamp FROM {} WHERE SystemModstamp >= {} ORDER BY SystemModstamp, Id LIMIT {limit}",
        definition.source_object,
        datetime_literal(watermark)
    )
}

/// One page of "sync existing records": ids after `after`, optionally modified since a date.
pub fn backfill_page(
    definition: &FlowDefinition,
    settings: &FlowSettings,
    after: Option<&str>,
    modified_since: Option<DateTime<Utc>>,
    limit: u32,
) -> String {
    let mut conditions = Vec::new();
    if let Some(after) = after {
        conditions.push(format!("Id > {}", soql_string(after)));
    }
    if let Some(since) = modified_since {
        conditions.push(format!("SystemModstamp >= {}", datetime_literal(since)));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    format!(
        "SELECT {} FROM {}{filter} ORDER BY Id LIMIT {limit}",
        select_fields(definition, settings).join(", "),
        definition.source_object
    )
}

/// How many records a backfill will visit.
pub fn backfill_count(
    definition: &FlowDefinition,
    modified_since: Option<DateTime<Utc>>,
) -> String {
    match modified_since {
        Some(since) => format!(
            "SELECT COUNT() FROM {} WHERE SystemModstamp >= {}",
            definition.source_object,
            datetime_literal(since)
        ),
        None => format!("SELECT COUNT() FROM {}", definition.source_object),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::definition::CONTACT;

    #[test]
    fn the_fetch_reads_every_field_the_flow_needs_once() {
        let settings = CONTACT.default_settings();
        let q = fetch_by_ids(&CONTACT, &settings, &["003A".into(), "003'B".into()]);
        assert_eq!(
            q,
            "SELECT Id, SystemModstamp, NetSuite_Id__c, AccountId, Account.NetSuite_Id__c, \
             Email, FirstName, LastName, MobilePhone, Phone, Title FROM Contact \
             WHERE Id IN ('003A', '003\\'B')"
        );
    }

    #[test]
    fn modstamps_parse_and_polls_include_the_boundary_second() {
        let at = parse_modstamp("2026-11-20T09:15:02.000+0000").unwrap();
        assert_eq!(datetime_literal(at), "2026-11-20T09:15:02Z");
        assert!(poll_changes(&CONTACT, at, 200).contains("SystemModstamp >= 2026-11-20T09:15:02Z"));
        let page = backfill_page(
            &CONTACT,
            &CONTACT.default_settings(),
            Some("003A"),
            Some(at),
            200,
        );
        assert!(
            page.ends_with(
                "WHERE Id > '003A' AND SystemModstamp >= 2026-11-20T09:15:02Z ORDER BY Id LIMIT 200"
            ),
            "{page}"
        );
    }
}
