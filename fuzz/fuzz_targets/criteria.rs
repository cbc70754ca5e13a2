//! Qualification criteria on any record: evaluation never panics, agrees with the conditions
//! it is made of, names a reason whenever a record does not qualify, and the operators that
//! are each other's negation stay so; criteria survive a JSON round trip unchanged.
#![no_main]

use arbitrary::Arbitrary;
use ferry_fuzz::flows::criteria::{Combinator, Condition, Criteria, Group, Operator};
use ferry_fuzz::flows::fields::SourceField;
use ferry_fuzz::flows::record::SourceRecord;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

/// Field names the conditions and the record draw from, a parent field among them.
const FIELDS: [&str; 4] = ["Email", "Title", "NumberOfEmployees", "Account.Type"];

/// A condition: field index, operator index, value.
type RawCondition = (u8, u8, String);
/// A group: "any" (else "all"), and its conditions.
type RawGroup = (bool, Vec<RawCondition>);

#[derive(Arbitrary, Debug)]
struct Input {
    any: bool,
    groups: Vec<RawGroup>,
    values: Vec<(u8, RecordValue)>,
}

#[derive(Arbitrary, Debug)]
enum RecordValue {
    Text(String),
    Number(f64),
    Flag(bool),
    Null,
}

fn combinator(any: bool) -> Combinator {
    if any {
        Combinator::Any
    } else {
        Combinator::All
    }
}

fn field(i: u8) -> &'static str {
    FIELDS[usize::from(i) % FIELDS.len()]
}

fn record(values: &[(u8, RecordValue)]) -> SourceRecord {
    let mut fields = Map::new();
    let mut account = Map::new();
    for (i, value) in values {
        let value = match value {
            RecordValue::Text(s) => Value::String(s.clone()),
            RecordValue::Number(n) => {
                serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number)
            }
            RecordValue::Flag(b) => Value::Bool(*b),
            RecordValue::Null => Value::Null,
        };
        match field(*i).split_once('.') {
            Some((_, child)) => {
                account.insert(child.to_owned(), value);
            }
            None => {
                fields.insert(field(*i).to_owned(), value);
            }
        }
    }
    fields.insert("Account".into(), Value::Object(account));
    SourceRecord::new(fields)
}

fn condition(f: u8, op: u8, value: &str) -> Condition {
    Condition {
        field: SourceField::parse(field(f)).expect("a valid field"),
        op: Operator::ALL[usize::from(op) % Operator::ALL.len()],
        value: value.to_owned(),
    }
}

fn with_op(c: &Condition, op: Operator) -> Condition {
    Condition { op, ..c.clone() }
}

fuzz_target!(|input: Input| {
    let criteria = Criteria {
        combinator: combinator(input.any),
        groups: input
            .groups
            .iter()
            .map(|(any, conditions)| Group {
                combinator: combinator(*any),
                conditions: conditions
                    .iter()
                    .map(|(f, op, value)| condition(*f, *op, value))
                    .collect(),
            })
            .collect(),
    };
    let record = record(&input.values);
    let result = criteria.evaluate(&record);
    let summary = criteria.summary();

    // The verdict is the conditions' verdict, combined as the criteria say; empty groups and
    // no groups at all qualify everything.
    let groups: Vec<&Group> = criteria
        .groups
        .iter()
        .filter(|g| !g.conditions.is_empty())
        .collect();
    let group_holds = |g: &Group| match g.combinator {
        Combinator::All => g.conditions.iter().all(|c| c.holds(&record)),
        Combinator::Any => g.conditions.iter().any(|c| c.holds(&record)),
    };
    let expected = groups.is_empty()
        || match criteria.combinator {
            Combinator::All => groups.iter().all(|g| group_holds(g)),
            Combinator::Any => groups.iter().any(|g| group_holds(g)),
        };
    assert_eq!(result.is_ok(), expected, "{summary}");
    assert_eq!(criteria.is_empty(), groups.is_empty());
    if groups.is_empty() {
        assert_eq!(summary, "Every record");
    }
    if let Err(reason) = &result {
        assert!(!reason.0.is_empty(), "a refusal names its reason");
    }

    for group in &criteria.groups {
        for c in &group.conditions {
            let holds = |op| with_op(c, op).holds(&record);
            assert_ne!(
                holds(Operator::Equals),
                holds(Operator::NotEquals),
                "{}",
                c.summary()
            );
            assert_ne!(
                holds(Operator::IsEmpty),
                holds(Operator::IsNotEmpty),
                "{}",
                c.summary()
            );
            assert!(
                !(holds(Operator::GreaterThan) && holds(Operator::LessThan)),
                "{}",
                c.summary()
            );
            if holds(Operator::StartsWith) {
                assert!(holds(Operator::Contains), "{}", c.summary());
            }
            // One value, no comma: "is one of" is "equals".
            if !c.value.contains(',') && !c.value.trim().is_empty() {
                assert_eq!(
                    holds(Operator::InList),
                    holds(Operator::Equals),
                    "{}",
                    c.summary()
                );
            }
            // The summary names the field and the operator.
            let s = c.summary();
            assert!(
                s.starts_with(c.field.as_str()) && s.contains(c.op.label()),
                "{s}"
            );
        }
    }

    let json = serde_json::to_value(&criteria).expect("criteria serialize");
    let back: Criteria = serde_json::from_value(json).expect("and read back");
    assert_eq!(back, criteria);
});
