//! The record store seen as SuiteQL tables: lowercase column names, booleans as `'T'`/`'F'`,
//! references as the internal id of the referenced record.

use std::collections::BTreeSet;

use super::plan::{Probe, RowScope};
use super::{SqlValue, Table};
use crate::netsuite::schema::{FieldKind, RecordType};
use crate::netsuite::store::{FieldValue, Record, RecordStore};

/// The table named `name` with the rows in `scope` (in internal-id order, as a scan reads
/// them), or `None` if the simulator has no such record type.
pub fn table_for(store: &RecordStore, name: &str, scope: &RowScope) -> Option<Table> {
    let rt = RecordType::parse(name)?;
    let mut columns = vec!["id".to_string()];
    columns.extend(rt.fields().iter().map(|f| f.name.to_lowercase()));
    columns.push("datecreated".into());
    columns.push("lastmodifieddate".into());
    let rows = match candidates(store, rt, scope) {
        None => store.records(rt).map(|r| row(rt, r)).collect(),
        Some(ids) => ids
            .into_iter()
            .filter_map(|id| store.get(rt, id))
            .map(|r| row(rt, r))
            .collect(),
    };
    Some(Table {
        name: rt.as_str().to_string(),
        columns,
        rows,
    })
}

/// The internal ids `scope` points at, or `None` for every row.
fn candidates(store: &RecordStore, rt: RecordType, scope: &RowScope) -> Option<BTreeSet<u64>> {
    let RowScope::Candidates(probes) = scope else {
        return None;
    };
    let mut ids = BTreeSet::new();
    collect(store, rt, probes, &mut ids)?;
    Some(ids)
}

/// Adds the ids `probes` point at; `None` if one of them needs a scan. A probe of a column that
/// is not a text field (a flag, a reference, a date) cannot use the index.
fn collect(
    store: &RecordStore,
    rt: RecordType,
    probes: &[Probe],
    ids: &mut BTreeSet<u64>,
) -> Option<()> {
    for probe in probes {
        match probe {
            Probe::Id(id) => {
                ids.insert(*id);
            }
            Probe::Text { column, lowered } => {
                ids.extend(store.ids_with_text(rt, text_field(rt, column)?, lowered));
            }
            // Any one side of an AND covers its matches: read the one with the fewest rows.
            Probe::Every(sides) => {
                let narrowest = sides
                    .iter()
                    .filter_map(|side| Some((estimate(store, rt, side)?, side)))
                    .min_by_key(|(rows, _)| *rows)?
                    .1;
                collect(store, rt, narrowest, ids)?;
            }
        }
    }
    Some(())
}

/// How many rows `probes` read, or `None` if they need a scan.
fn estimate(store: &RecordStore, rt: RecordType, probes: &[Probe]) -> Option<usize> {
    probes.iter().try_fold(0, |sum, probe| {
        Some(
            sum + match probe {
                Probe::Id(_) => 1,
                Probe::Text { column, lowered } => {
                    store.count_with_text(rt, text_field(rt, column)?, lowered)
                }
                Probe::Every(sides) => sides
                    .iter()
                    .filter_map(|side| estimate(store, rt, side))
                    .min()?,
            },
        )
    })
}

/// The text field behind a SuiteQL column.
fn text_field(rt: RecordType, column: &str) -> Option<&'static str> {
    rt.fields()
        .iter()
        .find(|f| is_text(f.kind) && f.name.eq_ignore_ascii_case(column))
        .map(|f| f.name)
}

fn is_text(kind: FieldKind) -> bool {
    matches!(kind, FieldKind::Text | FieldKind::Email)
}

fn row(rt: RecordType, record: &Record) -> Vec<SqlValue> {
    let mut row = Vec::with_capacity(rt.fields().len() + 3);
    row.push(SqlValue::Number(record.id as f64));
    for field in rt.fields() {
        row.push(match record.values.get(field.name) {
            None => SqlValue::Null,
            Some(FieldValue::Text(s)) => SqlValue::Text(s.clone()),
            Some(FieldValue::Bool(b)) => SqlValue::Text(if *b { "T" } else { "F" }.into()),
            Some(FieldValue::Ref(id)) => SqlValue::Number(*id as f64),
        });
    }
    row.push(SqlValue::Date(record.date_created));
    row.push(SqlValue::Date(record.last_modified));
    row
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::netsuite::patch::RecordPatch;
    use crate::netsuite::suiteql::{EvalContext, run};

    const WORDS: [&str; 6] = ["Ann", "ann", "ANN ", "Bob", "O'Brien", "Zoë"];

    fn store(rng: &mut StdRng) -> RecordStore {
        let mut store = RecordStore::default();
        let now = Utc::now();
        let pick = |rng: &mut StdRng| WORDS[rng.random_range(0..WORDS.len())].to_owned();
        for i in 0..60 {
            let mut patch = RecordPatch::default()
                .text("externalId", format!("EID{}", i % 40))
                .text("firstName", pick(rng))
                .text("lastName", pick(rng))
                .text("email", format!("{}@x.com", pick(rng).trim()));
            if i >= 40 {
                patch = RecordPatch::default()
                    .text("firstName", pick(rng))
                    .text("lastName", pick(rng));
            }
            store.create(RecordType::Contact, &patch, now).unwrap();
        }
        // Updates and deletes must leave nothing stale in the index.
        for id in (5000..5060).step_by(7) {
            let patch = RecordPatch::default().text("firstName", pick(rng));
            store.update(RecordType::Contact, id, &patch, now).unwrap();
        }
        for id in (5003..5060).step_by(11) {
            store.delete(RecordType::Contact, id).unwrap();
        }
        store
    }

    #[test]
    fn probed_queries_answer_exactly_what_a_scan_answers() {
        let mut rng = StdRng::seed_from_u64(7);
        let store = store(&mut rng);
        let ctx = EvalContext {
            now: Utc::now(),
            date_format: Vec::new(),
        };
        let queries = [
            "SELECT id, email FROM contact WHERE LOWER(email) IN ('ann@x.com', 'zoë@x.com')",
            "SELECT id FROM contact WHERE firstname = 'ann' OR firstname = 'ANN '",
            "SELECT id FROM contact WHERE LOWER(firstname) = 'ann' AND LOWER(lastname) = 'bob'",
            "SELECT id FROM contact WHERE LOWER(lastname) = 'bob' AND company = '100' AND firstname = 'Ann'",
            "SELECT id FROM contact WHERE id IN (5001, '5007', 5003, 99999) OR externalid = 'EID5'",
            "SELECT id FROM contact WHERE externalid IN ('EID1', 'eid2') ORDER BY id DESC",
            "SELECT id FROM contact WHERE LOWER(lastname) = 'o''brien' AND id > 5010",
            "SELECT id FROM contact WHERE email = 'Ann@x.com' OR LOWER(email) = 'ANN@X.COM'",
        ];
        let mut matched = 0;
        for sql in queries {
            let probed = run(sql, |name, scope| table_for(&store, name, scope), &ctx).unwrap();
            let scanned =
                run(sql, |name, _| table_for(&store, name, &RowScope::All), &ctx).unwrap();
            assert_eq!(probed.rows, scanned.rows, "{sql}");
            matched += scanned.rows.len();
        }
        assert!(
            matched > 10,
            "the queries should match something: {matched}"
        );
    }
}
