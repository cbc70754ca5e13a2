//! The org's records and the write rules every entry point shares (REST, collections,
//! composite, pages): validation, uniqueness, references, and honest audit timestamps.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use super::error::SfError;
use super::ids;
use super::schema::{FieldDef, FieldType, NETSUITE_ID, ObjectKind};
use super::values::{self, Changes, WriteKind, format_datetime};

/// A user of the org (the subject of tokens, owner of records).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub username: String,
    pub name: String,
}

/// One record, live or in the Recycle Bin.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub object: ObjectKind,
    pub id: String,
    /// Writable fields that have a value; absent means null.
    pub values: BTreeMap<&'static str, Value>,
    pub created_date: DateTime<Utc>,
    pub created_by: String,
    pub last_modified_date: DateTime<Utc>,
    pub last_modified_by: String,
    pub system_modstamp: DateTime<Utc>,
    pub deleted: bool,
}

impl Record {
    /// A field's value as the REST API shows it.
    pub fn get(&self, field: &FieldDef) -> Value {
        match field.name {
            "Id" => Value::String(self.id.clone()),
            "IsDeleted" => Value::Bool(self.deleted),
            "CreatedDate" => Value::String(format_datetime(self.created_date)),
            "CreatedById" => Value::String(self.created_by.clone()),
            "LastModifiedDate" => Value::String(format_datetime(self.last_modified_date)),
            "LastModifiedById" => Value::String(self.last_modified_by.clone()),
            "SystemModstamp" => Value::String(format_datetime(self.system_modstamp)),
            "Name" if self.object == ObjectKind::Contact => {
                let parts: Vec<&str> = ["FirstName", "LastName"]
                    .iter()
                    .filter_map(|f| self.values.get(f).and_then(Value::as_str))
                    .collect();
                Value::String(parts.join(" "))
            }
            name => self.values.get(name).cloned().unwrap_or(Value::Null),
        }
    }

    /// A datetime field as a timestamp (for comparisons rather than display).
    pub fn timestamp(&self, field: &str) -> Option<DateTime<Utc>> {
        match field {
            "CreatedDate" => Some(self.created_date),
            "LastModifiedDate" => Some(self.last_modified_date),
            "SystemModstamp" => Some(self.system_modstamp),
            _ => None,
        }
    }

    /// Text of a field for lists and labels.
    pub fn text(&self, name: &str) -> String {
        self.object
            .field(name)
            .map(|f| match self.get(f) {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .unwrap_or_default()
    }

    /// `attributes` + every field, as a REST GET returns it.
    pub fn to_json(&self, version: &str) -> Value {
        self.to_json_fields(version, self.object.fields())
    }

    pub fn to_json_fields<'a>(
        &self,
        version: &str,
        fields: impl IntoIterator<Item = &'a FieldDef>,
    ) -> Value {
        let mut map = Map::new();
        map.insert("attributes".into(), self.attributes(version));
        for field in fields {
            map.insert(field.name.into(), self.get(field));
        }
        Value::Object(map)
    }

    pub fn attributes(&self, version: &str) -> Value {
        serde_json::json!({
            "type": self.object.name(),
            "url": format!("/services/data/{version}/sobjects/{}/{}", self.object.name(), self.id),
        })
    }
}

/// What an upsert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpsertOutcome {
    Created(String),
    Updated(String),
    /// More than one record matched; nothing was written.
    Multiple(Vec<String>),
}

/// All data of the simulated org.
#[derive(Debug, Clone, Default)]
pub struct OrgData {
    records: BTreeMap<String, Record>,
    /// Ids of the records (live or deleted) holding each value of a unique field, keyed by the
    /// value in ASCII lower case; whether case matters is decided on these candidates. Without
    /// it every write scanned the whole org for clashes, and the simulator, not the code under
    /// test, bounded `ferry bench`.
    unique_values: HashMap<(ObjectKind, &'static str, String), Vec<String>>,
    serials: HashMap<ObjectKind, u64>,
    last_stamp: Option<DateTime<Utc>>,
    pub users: Vec<User>,
    /// Whether `NetSuite_Id__c` is enforced unique (turn off to reproduce upsert's 300).
    pub unique_external_id: bool,
    /// Whether external-id matching and uniqueness respect case (UNCONFIRMED: they do not).
    pub external_id_case_sensitive: bool,
    /// Status of `ENTITY_IS_DELETED` (UNCONFIRMED: 404, possibly 400).
    pub entity_is_deleted_status: StatusCode,
    /// Writes not yet published as change events. It lives with the data, so restoring a
    /// snapshot (an allOrNone rollback) forgets the changes it undid.
    pub journal: Vec<Change>,
}

/// What one write did, for Change Data Capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub object: ObjectKind,
    pub id: String,
    /// Fields whose value changed (all non-null fields for a create).
    pub changed: Vec<&'static str>,
    /// Fields set to null by an update.
    pub nulled: Vec<&'static str>,
    pub user_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Create,
    Update,
    Delete,
}

impl OrgData {
    pub fn new(users: Vec<User>) -> Self {
        Self {
            users,
            unique_external_id: true,
            entity_is_deleted_status: StatusCode::NOT_FOUND,
            ..Self::default()
        }
    }

    /// Next audit timestamp: the wall clock, but strictly increasing, so a `SystemModstamp >`
    /// cursor never skips a write made within the same millisecond.
    fn next_stamp(&mut self) -> DateTime<Utc> {
        let now = Utc::now();
        let now = now - Duration::nanoseconds(i64::from(now.timestamp_subsec_nanos() % 1_000_000));
        let stamp = match self.last_stamp {
            Some(last) if now <= last => last + Duration::milliseconds(1),
            _ => now,
        };
        self.last_stamp = Some(stamp);
        stamp
    }

    fn next_id(&mut self, object: ObjectKind) -> String {
        loop {
            let serial = self.serials.entry(object).or_insert(0);
            *serial += 1;
            let id = ids::record_id(object.key_prefix(), *serial);
            if !self.records.contains_key(&id) {
                return id;
            }
        }
    }

    /// Live and deleted records of one type, in creation order.
    pub fn all(&self, object: ObjectKind) -> impl Iterator<Item = &Record> {
        self.records.values().filter(move |r| r.object == object)
    }

    /// Live records of one type, in creation order.
    pub fn live(&self, object: ObjectKind) -> impl Iterator<Item = &Record> {
        self.all(object).filter(|r| !r.deleted)
    }

    /// Keeps [`Self::unique_values`] in step with a record's values going from `old` to `new`.
    fn index_unique(
        &mut self,
        object: ObjectKind,
        id: &str,
        old: Option<&BTreeMap<&'static str, Value>>,
        new: &BTreeMap<&'static str, Value>,
    ) {
        for field in object.fields().iter().filter(|f| f.unique) {
            let before = old.and_then(|o| o.get(field.name)).and_then(Value::as_str);
            let after = new.get(field.name).and_then(Value::as_str);
            if before == after {
                continue;
            }
            if let Some(value) = before {
                let key = (object, field.name, value.to_ascii_lowercase());
                if let Some(ids) = self.unique_values.get_mut(&key) {
                    ids.retain(|other| other != id);
                    if ids.is_empty() {
                        self.unique_values.remove(&key);
                    }
                }
            }
            if let Some(value) = after {
                self.unique_values
                    .entry((object, field.name, value.to_ascii_lowercase()))
                    .or_default()
                    .push(id.to_owned());
            }
        }
    }

    /// Live records whose unique `field` holds `value` (as external ids compare).
    fn holders<'a>(
        &'a self,
        object: ObjectKind,
        field: &'static str,
        value: &'a str,
    ) -> impl Iterator<Item = &'a Record> + 'a {
        self.unique_values
            .get(&(object, field, value.to_ascii_lowercase()))
            .into_iter()
            .flatten()
            .filter_map(|id| self.records.get(id))
            .filter(move |r| {
                !r.deleted
                    && r.values
                        .get(field)
                        .and_then(Value::as_str)
                        .is_some_and(|v| self.same_external_id(v, value))
            })
    }

    /// Any record by canonical id, deleted or not.
    pub fn record(&self, id: &str) -> Option<&Record> {
        self.records.get(id)
    }

    /// A live record of `object` addressed by a client-supplied id (15 or 18 characters).
    pub fn find(&self, object: ObjectKind, raw_id: &str) -> Result<&Record, SfError> {
        let record = ids::canonical(raw_id)
            .and_then(|id| self.records.get(&id))
            .filter(|r| r.object == object)
            .ok_or_else(SfError::not_found)?;
        if record.deleted {
            let mut error = SfError::entity_is_deleted();
            error.status = self.entity_is_deleted_status;
            return Err(error);
        }
        Ok(record)
    }

    /// External-id equality under the org's case rule.
    fn same_external_id(&self, a: &str, b: &str) -> bool {
        if self.external_id_case_sensitive {
            a == b
        } else {
            a.eq_ignore_ascii_case(b)
        }
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Live records whose external-id `field` equals `value` (case-insensitively).
    pub fn by_external_id(&self, object: ObjectKind, field: &FieldDef, value: &str) -> Vec<String> {
        if field.name == "Id" {
            return ids::canonical(value)
                .and_then(|id| self.find(object, &id).ok())
                .map(|r| vec![r.id.clone()])
                .unwrap_or_default();
        }
        if field.unique {
            return self
                .holders(object, field.name, value)
                .map(|r| r.id.clone())
                .collect();
        }
        self.live(object)
            .filter(|r| {
                r.values
                    .get(field.name)
                    .and_then(Value::as_str)
                    .is_some_and(|v| self.same_external_id(v, value))
            })
            .map(|r| r.id.clone())
            .collect()
    }

    /// Creates a record from a JSON body; returns its id.
    pub fn create(
        &mut self,
        object: ObjectKind,
        body: &Map<String, Value>,
        user_id: &str,
    ) -> Result<String, SfError> {
        let changes = values::check_body(object, body, WriteKind::Create, None)?;
        self.insert(object, changes, user_id, None)
    }

    /// Creates a record with checked changes, optionally under a fixed id (seed data).
    pub fn insert(
        &mut self,
        object: ObjectKind,
        changes: Changes,
        user_id: &str,
        fixed_id: Option<String>,
    ) -> Result<String, SfError> {
        let mut values = BTreeMap::new();
        for (field, value) in changes {
            if !value.is_null() {
                values.insert(field.name, value);
            }
        }
        values
            .entry("OwnerId")
            .or_insert_with(|| Value::String(user_id.to_owned()));
        let missing: Vec<String> = object
            .fields()
            .iter()
            .filter(|f| f.required() && !values.contains_key(f.name))
            .map(|f| f.name.to_owned())
            .collect();
        if !missing.is_empty() {
            return Err(required_missing(missing));
        }
        let id = match fixed_id {
            Some(id) => id,
            None => self.next_id(object),
        };
        self.check_integrity(object, &id, &values)?;
        let stamp = self.next_stamp();
        self.journal.push(Change {
            kind: ChangeKind::Create,
            object,
            id: id.clone(),
            changed: values.keys().copied().collect(),
            nulled: Vec::new(),
            user_id: user_id.to_owned(),
        });
        self.index_unique(object, &id, None, &values);
        self.records.insert(
            id.clone(),
            Record {
                object,
                id: id.clone(),
                values,
                created_date: stamp,
                created_by: user_id.to_owned(),
                last_modified_date: stamp,
                last_modified_by: user_id.to_owned(),
                system_modstamp: stamp,
                deleted: false,
            },
        );
        Ok(id)
    }

    /// Applies a partial JSON body to a live record; returns its canonical id.
    pub fn update(
        &mut self,
        object: ObjectKind,
        raw_id: &str,
        body: &Map<String, Value>,
        user_id: &str,
    ) -> Result<String, SfError> {
        let id = self.find(object, raw_id)?.id.clone();
        let changes = values::check_body(object, body, WriteKind::Update, Some(&id))?;
        self.apply(object, &id, changes, user_id)?;
        Ok(id)
    }

    fn apply(
        &mut self,
        object: ObjectKind,
        id: &str,
        changes: Changes,
        user_id: &str,
    ) -> Result<(), SfError> {
        let mut values = self
            .records
            .get(id)
            .map(|r| r.values.clone())
            .ok_or_else(SfError::not_found)?;
        let mut cleared_required = Vec::new();
        for (field, value) in changes {
            if value.is_null() {
                if !field.nillable {
                    cleared_required.push(field.name.to_owned());
                }
                values.remove(field.name);
            } else {
                values.insert(field.name, value);
            }
        }
        if !cleared_required.is_empty() {
            return Err(required_missing(cleared_required));
        }
        self.check_integrity(object, id, &values)?;
        let stamp = self.next_stamp();
        let old = self.records.get(id).map(|r| r.values.clone());
        self.index_unique(object, id, old.as_ref(), &values);
        if let Some(record) = self.records.get_mut(id) {
            let mut changed: Vec<&'static str> = values
                .iter()
                .filter(|(k, v)| record.values.get(*k) != Some(*v))
                .map(|(k, _)| *k)
                .collect();
            let nulled: Vec<&'static str> = record
                .values
                .keys()
                .filter(|k| !values.contains_key(*k))
                .copied()
                .collect();
            changed.extend(nulled.iter().copied());
            changed.push("LastModifiedDate");
            self.journal.push(Change {
                kind: ChangeKind::Update,
                object,
                id: id.to_owned(),
                changed,
                nulled,
                user_id: user_id.to_owned(),
            });
            record.values = values;
            record.last_modified_date = stamp;
            record.last_modified_by = user_id.to_owned();
            record.system_modstamp = stamp;
        }
        Ok(())
    }

    /// Moves a live record to the Recycle Bin.
    pub fn delete(
        &mut self,
        object: ObjectKind,
        raw_id: &str,
        user_id: &str,
    ) -> Result<String, SfError> {
        let id = self.find(object, raw_id)?.id.clone();
        // Deleting an Account deletes its Contacts too, as in Salesforce.
        let mut doomed = vec![id.clone()];
        if object == ObjectKind::Account {
            doomed.extend(
                self.live(ObjectKind::Contact)
                    .filter(|c| c.values.get("AccountId").and_then(Value::as_str) == Some(&id))
                    .map(|c| c.id.clone()),
            );
        }
        for doomed_id in doomed {
            let stamp = self.next_stamp();
            if let Some(record) = self.records.get_mut(&doomed_id) {
                record.deleted = true;
                record.system_modstamp = stamp;
                self.journal.push(Change {
                    kind: ChangeKind::Delete,
                    object: record.object,
                    id: doomed_id.clone(),
                    changed: Vec::new(),
                    nulled: Vec::new(),
                    user_id: user_id.to_owned(),
                });
            }
        }
        Ok(id)
    }

    /// Upsert by external id (`field` must be an external-id field, or `Id`).
    pub fn upsert(
        &mut self,
        object: ObjectKind,
        field: &'static FieldDef,
        value: &str,
        body: &Map<String, Value>,
        user_id: &str,
        update_only: bool,
    ) -> Result<UpsertOutcome, SfError> {
        if let Some(given) = body
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(field.name))
            .map(|(_, v)| v)
            && field.name != "Id"
            && given
                .as_str()
                .is_none_or(|g| !self.same_external_id(g, value))
        {
            return Err(SfError::invalid_field(format!(
                "The value of the external ID field {} in the request body does not match the \
                 value in the URL",
                field.name
            )));
        }
        let matches = self.by_external_id(object, field, value);
        match matches.as_slice() {
            [] if update_only || field.name == "Id" => Err(SfError::not_found()),
            [] => {
                let mut changes = values::check_body(object, body, WriteKind::Create, None)?;
                if !changes.iter().any(|(f, _)| f.name == field.name) {
                    changes.push((field, Value::String(value.to_owned())));
                }
                self.insert(object, changes, user_id, None)
                    .map(UpsertOutcome::Created)
            }
            [id] => {
                let id = id.clone();
                let changes = values::check_body(object, body, WriteKind::Update, Some(&id))?;
                self.apply(object, &id, changes, user_id)?;
                Ok(UpsertOutcome::Updated(id))
            }
            _ => Ok(UpsertOutcome::Multiple(matches)),
        }
    }

    /// References must point at live records of the right type and external ids must be
    /// unique among live records.
    fn check_integrity(
        &self,
        object: ObjectKind,
        id: &str,
        values: &BTreeMap<&'static str, Value>,
    ) -> Result<(), SfError> {
        for field in object.fields() {
            let Some(text) = values.get(field.name).and_then(Value::as_str) else {
                continue;
            };
            if field.kind == FieldType::Reference {
                let exists = match field.reference_to {
                    Some(target) => {
                        if !text.starts_with(target.key_prefix()) {
                            return Err(values::malformed_reference(field, text));
                        }
                        self.records
                            .get(text)
                            .is_some_and(|r| r.object == target && !r.deleted && r.id != id)
                    }
                    None => self.user(text).is_some(),
                };
                if !exists {
                    return Err(SfError::new(
                        StatusCode::BAD_REQUEST,
                        "INVALID_CROSS_REFERENCE_KEY",
                        format!("{}: invalid cross reference id", field.label),
                    )
                    .with_fields(vec![field.name.to_owned()]));
                }
            }
            if field.unique && (field.name != NETSUITE_ID || self.unique_external_id) {
                let clash = self.holders(object, field.name, text).find(|r| r.id != id);
                if let Some(other) = clash {
                    return Err(SfError::new(
                        StatusCode::BAD_REQUEST,
                        "DUPLICATE_VALUE",
                        format!(
                            "duplicate value found: {} duplicates value on record with id: {}",
                            field.name, other.id
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn required_missing(fields: Vec<String>) -> SfError {
    SfError::new(
        StatusCode::BAD_REQUEST,
        "REQUIRED_FIELD_MISSING",
        format!("Required fields are missing: [{}]", fields.join(", ")),
    )
    .with_fields(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn org() -> OrgData {
        OrgData::new(vec![User {
            id: ids::record_id(ids::USER_PREFIX, 1),
            username: "a@b.c".into(),
            name: "A".into(),
        }])
    }

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn modstamps_strictly_increase_across_fast_writes() {
        let mut org = org();
        let user = org.users[0].id.clone();
        let mut last = None;
        for i in 0..50 {
            let id = org
                .create(
                    ObjectKind::Contact,
                    &body(json!({"LastName": format!("L{i}")})),
                    &user,
                )
                .unwrap();
            let stamp = org.record(&id).unwrap().system_modstamp;
            assert!(last.is_none_or(|l| stamp > l));
            last = Some(stamp);
        }
    }

    #[test]
    fn clearing_a_required_field_is_refused() {
        let mut org = org();
        let user = org.users[0].id.clone();
        let id = org
            .create(ObjectKind::Contact, &body(json!({"LastName": "X"})), &user)
            .unwrap();
        let err = org
            .update(
                ObjectKind::Contact,
                &id,
                &body(json!({"LastName": null})),
                &user,
            )
            .unwrap_err();
        assert_eq!(err.code, "REQUIRED_FIELD_MISSING");
    }
}
