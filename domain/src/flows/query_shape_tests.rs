//! Property tests of the queries flows build from data (the fetch by ids, the backfill page,
//! the preview search, the SuiteQL lookup): whatever the values, the query has the same shape
//! — the same keywords, names and punctuation outside its string literals — as with harmless
//! values, and each literal reads back as exactly its value. A value that closed its literal
//! would change the shape.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::definition::CONTACT;
use super::lookup::{LookupKey, batch_query};
use super::preview::search_queries;
use super::record::SourceRecord;
use super::soql::{backfill_page, fetch_by_ids};

/// A query split into what is outside string literals (one token per word or symbol, a `?`
/// where a literal stood) and the literals' values.
#[derive(Debug, PartialEq)]
struct Shape {
    skeleton: Vec<String>,
    literals: Vec<String>,
}

/// SOQL: backslash escapes inside quotes (`\%` and `\_` kept as written: LIKE reads them).
fn soql_shape(query: &str) -> Shape {
    shape(query, |chars| {
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' => return Some(value),
                '\\' => {
                    let escaped = chars.next()?;
                    match escaped {
                        'n' => value.push('\n'),
                        'r' => value.push('\r'),
                        't' => value.push('\t'),
                        'b' => value.push('\u{8}'),
                        'f' => value.push('\u{c}'),
                        '%' | '_' => {
                            value.push('\\');
                            value.push(escaped);
                        }
                        '\'' | '"' | '\\' => value.push(escaped),
                        _ => return None,
                    }
                }
                // An unescaped line break would mean the escaping was skipped.
                '\n' | '\r' => return None,
                other => value.push(other),
            }
        }
        None
    })
}

/// SuiteQL (Oracle): a quote inside a literal is doubled, nothing else is special.
fn suiteql_shape(query: &str) -> Shape {
    shape(query, |chars| {
        let mut value = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    value.push('\'');
                } else {
                    return Some(value);
                }
            } else {
                value.push(c);
            }
        }
        None
    })
}

fn shape(
    query: &str,
    literal: impl Fn(&mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String>,
) -> Shape {
    let mut chars = query.chars().peekable();
    let (mut skeleton, mut literals, mut word) = (Vec::new(), Vec::new(), String::new());
    let flush = |word: &mut String, skeleton: &mut Vec<String>| {
        if !word.is_empty() {
            skeleton.push(std::mem::take(word));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                flush(&mut word, &mut skeleton);
                literals.push(literal(&mut chars).expect("a well-formed literal"));
                skeleton.push("?".into());
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' => word.push(c),
            c => {
                flush(&mut word, &mut skeleton);
                if !c.is_whitespace() {
                    skeleton.push(c.to_string());
                }
            }
        }
    }
    flush(&mut word, &mut skeleton);
    Shape { skeleton, literals }
}

fn record(value: Value) -> SourceRecord {
    let Value::Object(map) = value else {
        unreachable!()
    };
    SourceRecord::new(map)
}

/// Text that is not empty once trimmed (empty values are left out of lookups on purpose).
fn text() -> impl Strategy<Value = String> {
    any::<String>().prop_filter("not blank", |s| !s.trim().is_empty())
}

proptest! {
    #[test]
    fn record_ids_cannot_reshape_the_fetch_or_the_backfill_page(
        ids in proptest::collection::vec(any::<String>(), 1..4),
    ) {
        let settings = CONTACT.default_settings();
        let harmless: Vec<String> = (0..ids.len()).map(|i| format!("003{i}")).collect();
        let fetched = soql_shape(&fetch_by_ids(&CONTACT, &settings, &ids));
        prop_assert_eq!(&fetched.literals, &ids);
        prop_assert_eq!(
            fetched.skeleton,
            soql_shape(&fetch_by_ids(&CONTACT, &settings, &harmless)).skeleton
        );
        let page = soql_shape(&backfill_page(&CONTACT, &settings, Some(&ids[0]), None, 200));
        prop_assert_eq!(&page.literals, &ids[..1]);
        prop_assert_eq!(
            page.skeleton,
            soql_shape(&backfill_page(&CONTACT, &settings, Some("003"), None, 200)).skeleton
        );
    }

    #[test]
    fn a_search_term_cannot_reshape_the_preview_search(term in any::<String>()) {
        let queries = search_queries(&CONTACT, &term);
        let harmless = search_queries(&CONTACT, "abc");
        // The last query searches by text; a term shaped like an id adds a query before it.
        let text = soql_shape(queries.last().unwrap());
        prop_assert_eq!(text.skeleton, soql_shape(harmless.last().unwrap()).skeleton.clone());
        let pattern = format!(
            "%{}%",
            term.replace('%', "\\%").replace('_', "\\_")
        );
        for literal in &text.literals {
            prop_assert_eq!(literal, &pattern);
        }
    }

    #[test]
    fn record_values_cannot_reshape_the_lookup(
        email in text(),
        first in text(),
        last in text(),
        id in text(),
    ) {
        let settings = CONTACT.default_settings();
        let query = |email: &str, first: &str, last: &str, id: &str| {
            let r = record(json!({"Id": id, "Email": email, "FirstName": first,
                                  "LastName": last, "NetSuite_Id__c": "42"}));
            batch_query(&CONTACT, &settings, &[LookupKey { record: &r, parent_target: Some("7") }])
                .unwrap()
        };
        let hostile = suiteql_shape(&query(&email, &first, &last, &id));
        let harmless = suiteql_shape(&query("a@b.c", "ann", "lee", "003A"));
        prop_assert_eq!(hostile.skeleton, harmless.skeleton);
        let lower = |s: &str| s.trim().to_lowercase();
        prop_assert_eq!(
            hostile.literals,
            vec!["42".to_owned(), id, lower(&email), lower(&first), lower(&last), "7".into()]
        );
    }
}

#[test]
fn the_shape_readers_see_a_value_that_breaks_out() {
    // The readers are what the properties stand on: an unescaped value must change the shape.
    let escaped = soql_shape("SELECT Id FROM Contact WHERE Name = 'a\\' OR Name != \\'x'");
    let broken = soql_shape("SELECT Id FROM Contact WHERE Name = 'a' OR Name != 'x'");
    assert_ne!(escaped.skeleton, broken.skeleton);
    let escaped = suiteql_shape("SELECT id FROM contact WHERE email = 'a'' OR ''1''=''1'");
    let broken = suiteql_shape("SELECT id FROM contact WHERE email = 'a' OR '1'='1'");
    assert_ne!(escaped.skeleton, broken.skeleton);
}
