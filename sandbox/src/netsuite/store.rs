//! In-memory customers and contacts, and the write rules NetSuite enforces on them.
//!
//! Writes arrive as a parsed [`RecordPatch`] (see `patch.rs`); the store checks the rules
//! that need the whole record or the whole table (required fields, unique `externalId`,
//! dependent records) and keeps `dateCreated` / `lastModifiedDate` honest.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, SubsecRound, Utc};

use super::error::{NsError, NsErrorCode};
use super::patch::RecordPatch;
use super::schema::{RecordType, SUBSIDIARY_ID};

/// A stored field value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Text(String),
    Bool(bool),
    /// Internal id of the referenced record.
    Ref(u64),
}

/// One customer or contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: u64,
    pub record_type: RecordType,
    pub values: BTreeMap<&'static str, FieldValue>,
    pub date_created: DateTime<Utc>,
    pub last_modified: DateTime<Utc>,
}

impl Record {
    pub fn text(&self, field: &str) -> Option<&str> {
        match self.values.get(field) {
            Some(FieldValue::Text(s)) => Some(s),
            _ => None,
        }
    }

    pub fn reference(&self, field: &str) -> Option<u64> {
        match self.values.get(field) {
            Some(FieldValue::Ref(id)) => Some(*id),
            _ => None,
        }
    }

    pub fn flag(&self, field: &str) -> bool {
        matches!(self.values.get(field), Some(FieldValue::Bool(true)))
    }

    /// The `refName` other records show when they reference this one.
    pub fn ref_name(&self) -> String {
        self.text("entityId").unwrap_or_default().to_string()
    }
}

/// Outcome of `PUT …/eid:{externalId}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created(u64),
    Updated(u64),
}

impl Upserted {
    pub fn id(self) -> u64 {
        match self {
            Self::Created(id) | Self::Updated(id) => id,
        }
    }
}

/// The first internal ids handed out, so customers and contacts are easy to tell apart by eye.
const FIRST_CUSTOMER_ID: u64 = 100;
const FIRST_CONTACT_ID: u64 = 5000;

/// All records of one simulated account.
#[derive(Debug, Clone)]
pub struct RecordStore {
    customers: BTreeMap<u64, Record>,
    contacts: BTreeMap<u64, Record>,
    next_customer_id: u64,
    next_contact_id: u64,
    /// External id → internal id per type: upserts look records up by external id, and a scan
    /// made the simulator, not the code under test, the bottleneck of `ferry bench`.
    by_external_id: HashMap<(RecordType, String), u64>,
    /// Lowercased text value → internal ids, per type and field: SuiteQL lookups probe it
    /// instead of building every row (`suiteql/plan.rs`).
    by_text: HashMap<(RecordType, &'static str), HashMap<String, BTreeSet<u64>>>,
}

impl Default for RecordStore {
    fn default() -> Self {
        Self {
            customers: BTreeMap::new(),
            contacts: BTreeMap::new(),
            next_customer_id: FIRST_CUSTOMER_ID,
            next_contact_id: FIRST_CONTACT_ID,
            by_external_id: HashMap::new(),
            by_text: HashMap::new(),
        }
    }
}

impl RecordStore {
    fn table(&self, rt: RecordType) -> &BTreeMap<u64, Record> {
        match rt {
            RecordType::Customer => &self.customers,
            RecordType::Contact => &self.contacts,
        }
    }

    fn table_mut(&mut self, rt: RecordType) -> &mut BTreeMap<u64, Record> {
        match rt {
            RecordType::Customer => &mut self.customers,
            RecordType::Contact => &mut self.contacts,
        }
    }

    /// Stores a record, keeping the indexes in step.
    fn put(&mut self, record: Record) {
        if let Some(old) = self.table_mut(record.record_type).remove(&record.id) {
            self.unindex(&old);
        }
        self.index(&record);
        self.table_mut(record.record_type).insert(record.id, record);
    }

    fn index(&mut self, record: &Record) {
        let rt = record.record_type;
        if let Some(eid) = record.text("externalId") {
            self.by_external_id.insert((rt, eid.to_owned()), record.id);
        }
        for (field, value) in &record.values {
            if let FieldValue::Text(text) = value {
                self.by_text
                    .entry((rt, *field))
                    .or_default()
                    .entry(text.to_lowercase())
                    .or_default()
                    .insert(record.id);
            }
        }
    }

    fn unindex(&mut self, record: &Record) {
        let rt = record.record_type;
        if let Some(eid) = record.text("externalId") {
            self.by_external_id.remove(&(rt, eid.to_owned()));
        }
        for (field, value) in &record.values {
            if let FieldValue::Text(text) = value
                && let Some(values) = self.by_text.get_mut(&(rt, *field))
            {
                let key = text.to_lowercase();
                if let Some(ids) = values.get_mut(&key) {
                    ids.remove(&record.id);
                    if ids.is_empty() {
                        values.remove(&key);
                    }
                }
            }
        }
    }

    /// How many `rt` records have `lowered` in their text `field`, in lowercase.
    pub fn count_with_text(&self, rt: RecordType, field: &'static str, lowered: &str) -> usize {
        self.by_text
            .get(&(rt, field))
            .and_then(|values| values.get(lowered))
            .map_or(0, BTreeSet::len)
    }

    /// Internal ids of the `rt` records whose text `field` is `lowered` in lowercase.
    pub fn ids_with_text(
        &self,
        rt: RecordType,
        field: &'static str,
        lowered: &str,
    ) -> impl Iterator<Item = u64> + '_ {
        self.by_text
            .get(&(rt, field))
            .and_then(|values| values.get(lowered))
            .into_iter()
            .flatten()
            .copied()
    }

    pub fn get(&self, rt: RecordType, id: u64) -> Option<&Record> {
        self.table(rt).get(&id)
    }

    /// Records of one type in internal-id order.
    pub fn records(&self, rt: RecordType) -> impl Iterator<Item = &Record> {
        self.table(rt).values()
    }

    pub fn count(&self, rt: RecordType) -> usize {
        self.table(rt).len()
    }

    /// External ids are unique per record type and matched exactly.
    pub fn find_by_external_id(&self, rt: RecordType, external_id: &str) -> Option<&Record> {
        let id = self.by_external_id.get(&(rt, external_id.to_owned()))?;
        self.get(rt, *id)
    }

    /// Finds a record by its `entityId` (what a `{"refName": …}` reference names).
    pub fn find_by_ref_name(&self, rt: RecordType, ref_name: &str) -> Option<&Record> {
        self.records(rt)
            .find(|r| r.text("entityId") == Some(ref_name))
    }

    /// Resolves a path segment: an internal id, or `eid:{externalId}`.
    pub fn resolve(&self, rt: RecordType, key: &str) -> Result<&Record, NsError> {
        let found = match key.strip_prefix("eid:") {
            Some(eid) => self.find_by_external_id(rt, eid),
            None => key.parse::<u64>().ok().and_then(|id| self.get(rt, id)),
        };
        found.ok_or_else(|| NsError::nonexistent_id(rt.as_str(), key))
    }

    /// Creates a record with the given internal id (used by the seed); fails if it is taken.
    pub fn create_with_id(
        &mut self,
        rt: RecordType,
        id: u64,
        patch: &RecordPatch,
        now: DateTime<Utc>,
    ) -> Result<u64, NsError> {
        if self.table(rt).contains_key(&id) {
            return Err(NsError::new(
                NsErrorCode::UserError,
                format!("A {} with internal id {id} already exists.", rt.as_str()),
            ));
        }
        let now = now.trunc_subsecs(0);
        let mut record = Record {
            id,
            record_type: rt,
            values: defaults(rt),
            date_created: now,
            last_modified: now,
        };
        patch.apply_to(&mut record);
        fill_entity_id(&mut record);
        self.check_record(&record)?;
        self.put(record);
        let next = match rt {
            RecordType::Customer => &mut self.next_customer_id,
            RecordType::Contact => &mut self.next_contact_id,
        };
        *next = (*next).max(id + 1);
        Ok(id)
    }

    /// `POST /record/v1/{type}`: returns the new internal id.
    pub fn create(
        &mut self,
        rt: RecordType,
        patch: &RecordPatch,
        now: DateTime<Utc>,
    ) -> Result<u64, NsError> {
        let id = match rt {
            RecordType::Customer => self.next_customer_id,
            RecordType::Contact => self.next_contact_id,
        };
        self.create_with_id(rt, id, patch, now)
    }

    /// `PATCH /record/v1/{type}/{id}`: omitted fields stay, `null` clears.
    pub fn update(
        &mut self,
        rt: RecordType,
        id: u64,
        patch: &RecordPatch,
        now: DateTime<Utc>,
    ) -> Result<(), NsError> {
        let Some(existing) = self.get(rt, id) else {
            return Err(NsError::nonexistent_id(rt.as_str(), &id.to_string()));
        };
        let mut record = existing.clone();
        patch.apply_to(&mut record);
        fill_entity_id(&mut record);
        if rt == RecordType::Customer && record.reference("parent") == Some(id) {
            return Err(NsError::invalid_content(
                format!(
                    "Invalid field value {id} for field parent. \
                     A customer cannot be its own parent."
                ),
                "parent",
            ));
        }
        self.check_record(&record)?;
        record.last_modified = now.trunc_subsecs(0).max(record.date_created);
        self.put(record);
        Ok(())
    }

    /// `PUT /record/v1/{type}/eid:{externalId}`: update the match, or create with that id.
    pub fn upsert(
        &mut self,
        rt: RecordType,
        external_id: &str,
        patch: &RecordPatch,
        now: DateTime<Utc>,
    ) -> Result<Upserted, NsError> {
        if let Some(body_eid) = patch.external_id()
            && body_eid != Some(external_id)
        {
            return Err(NsError::invalid_content(
                "The externalId in the request body does not match the external ID in the URL.",
                "externalId",
            ));
        }
        match self.find_by_external_id(rt, external_id).map(|r| r.id) {
            Some(id) => self
                .update(rt, id, patch, now)
                .map(|()| Upserted::Updated(id)),
            None => {
                let patch = patch.clone().with_external_id(external_id);
                self.create(rt, &patch, now).map(Upserted::Created)
            }
        }
    }

    /// `DELETE /record/v1/{type}/{id}`.
    pub fn delete(&mut self, rt: RecordType, id: u64) -> Result<(), NsError> {
        if self.get(rt, id).is_none() {
            return Err(NsError::nonexistent_id(rt.as_str(), &id.to_string()));
        }
        if rt == RecordType::Customer {
            let has_contacts = self
                .contacts
                .values()
                .any(|c| c.reference("company") == Some(id));
            let has_children = self
                .customers
                .values()
                .any(|c| c.reference("parent") == Some(id));
            if has_contacts || has_children {
                return Err(NsError::new(
                    NsErrorCode::UserError,
                    "This record cannot be deleted because it has dependent records.",
                ));
            }
        }
        if let Some(record) = self.table_mut(rt).remove(&id) {
            self.unindex(&record);
        }
        Ok(())
    }

    /// Whole-record rules, checked after a patch is applied and before it is stored.
    fn check_record(&self, record: &Record) -> Result<(), NsError> {
        check_required(record)?;
        if let Some(eid) = record.text("externalId")
            && let Some(other) = self.find_by_external_id(record.record_type, eid)
            && other.id != record.id
        {
            return Err(NsError::new(
                NsErrorCode::UserError,
                format!(
                    "A {} with external ID {eid} already exists (internal ID {}).",
                    record.record_type.as_str(),
                    other.id
                ),
            )
            .at_path("externalId"));
        }
        Ok(())
    }
}

/// Values every new record starts with: booleans are never absent, and the account has one
/// subsidiary, so a customer without one gets it (as a non-OneWorld account would).
fn defaults(rt: RecordType) -> BTreeMap<&'static str, FieldValue> {
    let mut values = BTreeMap::new();
    values.insert("isInactive", FieldValue::Bool(false));
    match rt {
        RecordType::Customer => {
            values.insert("isPerson", FieldValue::Bool(false));
            values.insert("subsidiary", FieldValue::Ref(SUBSIDIARY_ID));
        }
        RecordType::Contact => {
            values.insert("isPrivate", FieldValue::Bool(false));
        }
    }
    values
}

/// Required fields, and the derived `entityId` (the record's name) when none was given:
/// - contact: a name — `entityId`, or `firstName`/`lastName` to derive it from;
/// - customer: `companyName`, unless `isPerson`, then `lastName`.
fn check_required(record: &Record) -> Result<(), NsError> {
    let missing = |label: &str, path: &str| {
        NsError::new(
            NsErrorCode::UserError,
            format!("Please enter value(s) for: {label}"),
        )
        .at_path(path)
    };
    match record.record_type {
        RecordType::Contact => {
            let has_name = ["entityId", "firstName", "lastName"]
                .iter()
                .any(|f| record.text(f).is_some());
            if !has_name {
                return Err(missing("Name", "lastName"));
            }
        }
        RecordType::Customer => {
            if record.flag("isPerson") {
                if record.text("lastName").is_none() {
                    return Err(missing("Last Name", "lastName"));
                }
            } else if record.text("companyName").is_none() {
                return Err(missing("Company Name", "companyName"));
            }
        }
    }
    Ok(())
}

/// Gives a record without `entityId` the name derived from its other fields.
fn fill_entity_id(record: &mut Record) {
    if record.text("entityId").is_none()
        && let Some(name) = derived_entity_id(record)
    {
        record.values.insert("entityId", FieldValue::Text(name));
    }
}

/// The name NetSuite shows for an entity when `entityId` was not given.
fn derived_entity_id(record: &Record) -> Option<String> {
    let person = || {
        let name = [record.text("firstName"), record.text("lastName")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!name.is_empty()).then_some(name)
    };
    match record.record_type {
        RecordType::Contact => person(),
        RecordType::Customer if record.flag("isPerson") => person(),
        RecordType::Customer => record.text("companyName").map(str::to_string),
    }
}
