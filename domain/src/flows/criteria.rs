//! Qualification criteria: conditions on the source record that must hold for a flow to sync
//! it. Groups of conditions, one level deep, each group and the whole combined with AND or OR.
//! Text compares case-insensitively, as Salesforce's own criteria do.

use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};

use super::fields::SourceField;
use super::record::SourceRecord;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Combinator {
    #[default]
    All,
    Any,
}

impl Combinator {
    fn word(self) -> &'static str {
        match self {
            Combinator::All => "AND",
            Combinator::Any => "OR",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Equals,
    NotEquals,
    Contains,
    StartsWith,
    IsEmpty,
    IsNotEmpty,
    InList,
    GreaterThan,
    LessThan,
}

impl Operator {
    pub const ALL: [Operator; 9] = [
        Operator::Equals,
        Operator::NotEquals,
        Operator::Contains,
        Operator::StartsWith,
        Operator::IsEmpty,
        Operator::IsNotEmpty,
        Operator::InList,
        Operator::GreaterThan,
        Operator::LessThan,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Operator::Equals => "equals",
            Operator::NotEquals => "does not equal",
            Operator::Contains => "contains",
            Operator::StartsWith => "starts with",
            Operator::IsEmpty => "is empty",
            Operator::IsNotEmpty => "is not empty",
            Operator::InList => "is one of",
            Operator::GreaterThan => "is greater than",
            Operator::LessThan => "is less than",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "equals",
            Operator::NotEquals => "not_equals",
            Operator::Contains => "contains",
            Operator::StartsWith => "starts_with",
            Operator::IsEmpty => "is_empty",
            Operator::IsNotEmpty => "is_not_empty",
            Operator::InList => "in_list",
            Operator::GreaterThan => "greater_than",
            Operator::LessThan => "less_than",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Whether the operator compares against a value.
    pub fn takes_value(self) -> bool {
        !matches!(self, Operator::IsEmpty | Operator::IsNotEmpty)
    }
}

/// `field operator value`. `in_list` values are separated by commas.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Condition {
    pub field: SourceField,
    pub op: Operator,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Group {
    #[serde(default, rename = "match")]
    pub combinator: Combinator,
    pub conditions: Vec<Condition>,
}

/// No groups means every record qualifies.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Criteria {
    #[serde(default, rename = "match")]
    pub combinator: Combinator,
    #[serde(default)]
    pub groups: Vec<Group>,
}

/// Why a record did not qualify, in words: the failing condition, or the group none of whose
/// conditions held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotQualified(pub String);

impl fmt::Display for NotQualified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "does not meet the qualification criteria: {}", self.0)
    }
}

impl Condition {
    pub fn summary(&self) -> String {
        if self.op.takes_value() {
            let value = if self.op == Operator::InList {
                list_values(&self.value).join(", ")
            } else {
                self.value.clone()
            };
            format!("{} {} {}", self.field, self.op.label(), value)
        } else {
            format!("{} {}", self.field, self.op.label())
        }
    }

    pub fn holds(&self, record: &SourceRecord) -> bool {
        let actual = record.field(&self.field);
        let expected = self.value.trim();
        let lower = |s: &str| s.to_lowercase();
        match self.op {
            Operator::IsEmpty => actual.is_none_or(|v| v.trim().is_empty()),
            Operator::IsNotEmpty => actual.is_some_and(|v| !v.trim().is_empty()),
            Operator::Equals => actual.is_some_and(|v| same(&v, expected)),
            // Salesforce's "not equal to" matches empty fields too.
            Operator::NotEquals => actual.is_none_or(|v| !same(&v, expected)),
            Operator::Contains => actual.is_some_and(|v| lower(&v).contains(&lower(expected))),
            Operator::StartsWith => actual.is_some_and(|v| lower(&v).starts_with(&lower(expected))),
            Operator::InList => actual.is_some_and(|v| {
                list_values(&self.value)
                    .iter()
                    .any(|candidate| same(&v, candidate))
            }),
            Operator::GreaterThan => {
                actual.is_some_and(|v| compare(&v, expected) == Some(Ordering::Greater))
            }
            Operator::LessThan => {
                actual.is_some_and(|v| compare(&v, expected) == Some(Ordering::Less))
            }
        }
    }
}

fn list_values(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

fn same(actual: &str, expected: &str) -> bool {
    if let (Ok(a), Ok(b)) = (actual.trim().parse::<f64>(), expected.parse::<f64>()) {
        return a == b;
    }
    actual.trim().to_lowercase() == expected.to_lowercase()
}

/// Numbers compare as numbers, dates and date-times as instants; anything else is not
/// comparable, so the condition does not hold.
fn compare(actual: &str, expected: &str) -> Option<Ordering> {
    let actual = actual.trim();
    if let (Ok(a), Ok(b)) = (actual.parse::<f64>(), expected.parse::<f64>()) {
        return a.partial_cmp(&b);
    }
    let instant = |s: &str| -> Option<i64> {
        if let Ok(d) = DateTime::parse_from_rfc3339(s) {
            return Some(d.timestamp_millis());
        }
        if let Ok(d) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.3f%z") {
            return Some(d.timestamp_millis());
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc().timestamp_millis())
    };
    Some(instant(actual)?.cmp(&instant(expected)?))
}

impl Group {
    fn summary(&self, parenthesize: bool) -> String {
        let inner = self
            .conditions
            .iter()
            .map(Condition::summary)
            .collect::<Vec<_>>()
            .join(&format!(" {} ", self.combinator.word()));
        if parenthesize && self.conditions.len() > 1 {
            format!("({inner})")
        } else {
            inner
        }
    }

    fn evaluate(&self, record: &SourceRecord) -> Result<(), NotQualified> {
        if self.conditions.is_empty() {
            return Ok(());
        }
        match self.combinator {
            Combinator::All => match self.conditions.iter().find(|c| !c.holds(record)) {
                Some(failed) => Err(NotQualified(failed.summary())),
                None => Ok(()),
            },
            Combinator::Any => {
                if self.conditions.iter().any(|c| c.holds(record)) {
                    Ok(())
                } else {
                    Err(NotQualified(format!("none of {}", self.summary(true))))
                }
            }
        }
    }
}

impl Criteria {
    pub fn is_empty(&self) -> bool {
        self.groups.iter().all(|g| g.conditions.is_empty())
    }

    /// "Email is not empty AND LeadSource equals Web"; "Every record" when empty.
    pub fn summary(&self) -> String {
        let groups: Vec<&Group> = self
            .groups
            .iter()
            .filter(|g| !g.conditions.is_empty())
            .collect();
        if groups.is_empty() {
            return "Every record".to_owned();
        }
        let several = groups.len() > 1;
        groups
            .iter()
            .map(|g| g.summary(several))
            .collect::<Vec<_>>()
            .join(&format!(" {} ", self.combinator.word()))
    }

    pub fn evaluate(&self, record: &SourceRecord) -> Result<(), NotQualified> {
        let groups: Vec<&Group> = self
            .groups
            .iter()
            .filter(|g| !g.conditions.is_empty())
            .collect();
        if groups.is_empty() {
            return Ok(());
        }
        match self.combinator {
            Combinator::All => groups.iter().try_for_each(|g| g.evaluate(record)),
            Combinator::Any => {
                let mut reasons = Vec::new();
                for group in groups {
                    match group.evaluate(record) {
                        Ok(()) => return Ok(()),
                        Err(NotQualified(reason)) => reasons.push(reason),
                    }
                }
                Err(NotQualified(reasons.join("; ")))
            }
        }
    }

    /// Every field the criteria read.
    pub fn fields(&self) -> impl Iterator<Item = &SourceField> {
        self.groups
            .iter()
            .flat_map(|g| g.conditions.iter().map(|c| &c.field))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    fn record(value: Value) -> SourceRecord {
        let Value::Object(map) = value else {
            unreachable!()
        };
        SourceRecord::new(map)
    }

    fn cond(field: &str, op: Operator, value: &str) -> Condition {
        Condition {
            field: SourceField::parse(field).unwrap(),
            op,
            value: value.into(),
        }
    }

    fn all(conditions: Vec<Condition>) -> Criteria {
        Criteria {
            combinator: Combinator::All,
            groups: vec![Group {
                combinator: Combinator::All,
                conditions,
            }],
        }
    }

    #[test]
    fn each_operator_holds_as_documented() {
        let r = record(json!({
            "Email": "Ada@Example.com", "LeadSource": "Web", "Title": null,
            "NumberOfEmployees": 12, "Birthdate": "1990-05-01",
            "LastModifiedDate": "2026-11-20T09:15:02.000+0000"
        }));
        let cases = [
            (cond("Email", Operator::Equals, "ada@example.com"), true),
            (cond("Email", Operator::NotEquals, "ada@example.com"), false),
            (cond("Title", Operator::NotEquals, "CEO"), true),
            (cond("Email", Operator::Contains, "EXAMPLE"), true),
            (cond("Email", Operator::StartsWith, "ada@"), true),
            (cond("Email", Operator::StartsWith, "bob"), false),
            (cond("Title", Operator::IsEmpty, ""), true),
            (cond("Email", Operator::IsNotEmpty, ""), true),
            (
                cond("LeadSource", Operator::InList, "Phone, web ,Partner"),
                true,
            ),
            (cond("LeadSource", Operator::InList, "Phone"), false),
            (cond("NumberOfEmployees", Operator::GreaterThan, "9"), true),
            (cond("NumberOfEmployees", Operator::LessThan, "9"), false),
            (cond("Birthdate", Operator::LessThan, "2000-01-01"), true),
            (
                cond("LastModifiedDate", Operator::GreaterThan, "2026-11-20"),
                true,
            ),
            (cond("Email", Operator::GreaterThan, "3"), false),
            (cond("Title", Operator::Contains, "x"), false),
        ];
        for (c, expected) in cases {
            assert_eq!(c.holds(&r), expected, "{}", c.summary());
        }
    }

    #[test]
    fn the_failing_condition_is_named() {
        let criteria = all(vec![
            cond("Email", Operator::IsNotEmpty, ""),
            cond("LeadSource", Operator::Equals, "Web"),
        ]);
        assert_eq!(
            criteria.summary(),
            "Email is not empty AND LeadSource equals Web"
        );
        let r = record(json!({"Email": "a@b.c", "LeadSource": "Phone"}));
        assert_eq!(
            criteria.evaluate(&r),
            Err(NotQualified("LeadSource equals Web".into()))
        );
        assert!(
            criteria
                .evaluate(&record(json!({"Email": "a@b.c", "LeadSource": "web"})))
                .is_ok()
        );
    }

    #[test]
    fn groups_combine_with_or_and_name_every_failed_group() {
        let criteria = Criteria {
            combinator: Combinator::Any,
            groups: vec![
                Group {
                    combinator: Combinator::All,
                    conditions: vec![
                        cond("Email", Operator::IsNotEmpty, ""),
                        cond("LeadSource", Operator::Equals, "Web"),
                    ],
                },
                Group {
                    combinator: Combinator::Any,
                    conditions: vec![
                        cond("Title", Operator::Equals, "CEO"),
                        cond("Title", Operator::Equals, "CFO"),
                    ],
                },
            ],
        };
        assert_eq!(
            criteria.summary(),
            "(Email is not empty AND LeadSource equals Web) OR (Title equals CEO OR Title equals CFO)"
        );
        assert!(criteria.evaluate(&record(json!({"Title": "cfo"}))).is_ok());
        let reason = criteria
            .evaluate(&record(json!({"Email": "a@b.c", "Title": "Analyst"})))
            .unwrap_err();
        assert_eq!(
            reason.0,
            "LeadSource equals Web; none of (Title equals CEO OR Title equals CFO)"
        );
    }

    #[test]
    fn empty_criteria_qualify_everything() {
        let criteria = Criteria::default();
        assert!(criteria.is_empty());
        assert_eq!(criteria.summary(), "Every record");
        assert!(criteria.evaluate(&record(json!({}))).is_ok());
    }

    #[test]
    fn criteria_round_trip_as_json() {
        let criteria = all(vec![cond(
            "Account.Type",
            Operator::InList,
            "Customer,Partner",
        )]);
        let json = serde_json::to_value(&criteria).unwrap();
        assert_eq!(
            json,
            json!({"match": "all", "groups": [{"match": "all", "conditions": [
                {"field": "Account.Type", "op": "in_list", "value": "Customer,Partner"}]}]})
        );
        assert_eq!(serde_json::from_value::<Criteria>(json).unwrap(), criteria);
        assert!(
            serde_json::from_value::<Criteria>(
                json!({"groups": [{"conditions": [{"field": "Email'--", "op": "equals"}]}]})
            )
            .is_err()
        );
    }

    proptest! {
        #[test]
        fn evaluation_never_panics(value in ".*", actual in ".*", op in 0usize..9) {
            let c = Condition { field: SourceField::parse("F").unwrap(), op: Operator::ALL[op], value };
            let r = record(json!({"F": actual}));
            let _ = c.holds(&r);
            let _ = c.summary();
        }

        #[test]
        fn is_empty_and_is_not_empty_are_complements(actual in proptest::option::of(".*")) {
            let r = record(json!({"F": actual}));
            let empty = cond("F", Operator::IsEmpty, "").holds(&r);
            let not_empty = cond("F", Operator::IsNotEmpty, "").holds(&r);
            prop_assert_ne!(empty, not_empty);
        }
    }
}
