//! The record store seen as SuiteQL tables: lowercase column names, booleans as `'T'`/`'F'`,
//! references as the internal id of the referenced record.

use super::{SqlValue, Table};
use crate::netsuite::schema::RecordType;
use crate::netsuite::store::{FieldValue, RecordStore};

/// The table named `name`, or `None` if the simulator has no such record type.
pub fn table_for(store: &RecordStore, name: &str) -> Option<Table> {
    let rt = RecordType::parse(name)?;
    let mut columns = vec!["id".to_string()];
    columns.extend(rt.fields().iter().map(|f| f.name.to_lowercase()));
    columns.push("datecreated".into());
    columns.push("lastmodifieddate".into());
    let rows = store
        .records(rt)
        .map(|record| {
            let mut row = Vec::with_capacity(columns.len());
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
        })
        .collect();
    Some(Table {
        name: rt.as_str().to_string(),
        columns,
        rows,
    })
}
