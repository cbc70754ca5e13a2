//! One record's sync, decided without side effects: given the fresh source record, the link
//! Ferry keeps for it and (once looked up) the candidate target records, what should happen.
//! The engine applies the decision; the preview shows it.

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::definition::FlowDefinition;
use super::lookup::Matches;
use super::mapping::{TargetValues, target_values, to_body};
use super::record::SourceRecord;
use super::settings::FlowSettings;

/// Why a record was left alone. Every skip is explained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Skip {
    /// Deleted in Salesforce, or no longer visible.
    Missing,
    NotQualified(String),
    /// A contact without an account.
    Standalone,
    CreatesOff,
    UpdatesOff,
    FlowOff,
}

impl Skip {
    pub fn reason(&self, definition: &FlowDefinition) -> String {
        match self {
            Skip::Missing => format!(
                "the {} was deleted or is not visible to the connection's user",
                definition.source_object
            ),
            Skip::NotQualified(condition) => {
                format!("does not meet the qualification criteria: {condition}")
            }
            Skip::Standalone => format!(
                "standalone {}: it has no {}",
                definition.source_object.to_lowercase(),
                definition.parent.as_ref().map_or("parent", |p| p.label)
            ),
            Skip::CreatesOff => format!(
                "no NetSuite {} exists and creating is turned off",
                definition.target_label
            ),
            Skip::UpdatesOff => format!(
                "the NetSuite {} exists and updating is turned off",
                definition.target_label
            ),
            Skip::FlowOff => "the flow is off".to_owned(),
        }
    }
}

/// A failure the data causes: retrying without a change will not help.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// The parent is not in NetSuite yet; the record waits for it.
    Dependency { parent_id: String },
    /// Several target records match; Ferry never guesses.
    Ambiguous { criterion: String, ids: Vec<String> },
}

impl Failure {
    pub fn message(&self, definition: &FlowDefinition) -> String {
        match self {
            Failure::Dependency { parent_id } => {
                let label = definition.parent.as_ref().map_or("parent", |p| p.label);
                format!(
                    "{label} not synced to NetSuite: {label} {parent_id} has no NetSuite id yet; \
                     this record syncs by itself once it has"
                )
            }
            Failure::Ambiguous { criterion, ids } => format!(
                "ambiguous lookup: the {criterion} lookup matches {} NetSuite {}s ({}); \
                 make it unique or set the NetSuite id on the record",
                ids.len(),
                definition.target_label,
                ids.join(", ")
            ),
        }
    }
}

/// How the target record was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FoundBy {
    InternalId,
    ExternalId,
    Primary,
    Secondary,
    /// Ferry's own link, when nothing changed since the last sync.
    Link,
}

impl FoundBy {
    pub fn label(self) -> &'static str {
        match self {
            FoundBy::InternalId => "the NetSuite id on the record",
            FoundBy::ExternalId => "external id",
            FoundBy::Primary => "primary lookup",
            FoundBy::Secondary => "secondary lookup",
            FoundBy::Link => "last sync",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Decision {
    Skip(Skip),
    Fail(Failure),
    /// Lookup results are needed to go on.
    NeedsLookup,
    Create {
        body: Map<String, Value>,
        fingerprint: String,
    },
    Update {
        target_id: String,
        found_by: FoundBy,
        /// Only the mapped fields whose NetSuite value differs.
        changes: Map<String, Value>,
        fingerprint: String,
        write_back: bool,
    },
    /// Found, and NetSuite already holds every mapped value.
    Unchanged {
        target_id: String,
        found_by: FoundBy,
        fingerprint: String,
        write_back: bool,
    },
}

/// What Ferry remembers of a record's last sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkState {
    pub target_id: Option<String>,
    pub fingerprint: Option<String>,
}

pub struct DecideInput<'a> {
    pub definition: &'a FlowDefinition,
    pub settings: &'a FlowSettings,
    /// `None` when Salesforce no longer returns the record.
    pub record: Option<&'a SourceRecord>,
    pub link: Option<&'a LinkState>,
    /// `None` until the lookup ran.
    pub matches: Option<&'a Matches>,
}

/// The hash of the values Ferry last wrote for a record and where: equal hashes mean nothing
/// to do, which is how Ferry's own write-back ends as "no change" instead of a loop.
pub fn fingerprint(values: &TargetValues, target_id: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(target_id.as_bytes());
    hasher.update([0]);
    if let Ok(json) = serde_json::to_vec(values) {
        hasher.update(&json);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The parent's target id as the source record carries it (`Account.NetSuite_Id__c`).
pub fn parent_target(definition: &FlowDefinition, record: &SourceRecord) -> Option<String> {
    let parent = definition.parent.as_ref()?;
    record.text(&format!(
        "{}.{}",
        parent.relationship, definition.writeback_field
    ))
}

fn normalized(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

pub fn decide(input: &DecideInput<'_>) -> Decision {
    let DecideInput {
        definition,
        settings,
        ..
    } = *input;
    let Some(record) = input.record else {
        return Decision::Skip(Skip::Missing);
    };
    if let Err(not) = settings.criteria.evaluate(record) {
        return Decision::Skip(Skip::NotQualified(not.0));
    }
    let mut parent_id = None;
    if let Some(parent) = &definition.parent {
        let Some(reference) = record.text(parent.reference_field) else {
            return Decision::Skip(Skip::Standalone);
        };
        match parent_target(definition, record) {
            Some(id) => parent_id = Some(id),
            None => {
                return Decision::Fail(Failure::Dependency {
                    parent_id: reference,
                });
            }
        }
    }
    let values = target_values(&settings.mappings, record, parent_id.as_deref());
    let own_id = record.field(&definition.writeback());

    // Nothing changed since Ferry last wrote this record, and the id is written back: done,
    // without asking NetSuite. This ends the notification caused by Ferry's own write-back.
    if let (Some(link), Some(own)) = (input.link, own_id.as_deref())
        && link.target_id.as_deref() == Some(own)
        && link.fingerprint.as_deref() == Some(fingerprint(&values, own).as_str())
    {
        return Decision::Unchanged {
            target_id: own.to_owned(),
            found_by: FoundBy::Link,
            fingerprint: fingerprint(&values, own),
            write_back: false,
        };
    }

    let Some(matches) = input.matches else {
        return Decision::NeedsLookup;
    };
    let found = if let Some(row) = &matches.by_id {
        Some((row, FoundBy::InternalId))
    } else if let Some(row) = &matches.by_external_id {
        Some((row, FoundBy::ExternalId))
    } else {
        let mut found = None;
        for (rows, by, name) in [
            (&matches.primary, FoundBy::Primary, "primary"),
            (&matches.secondary, FoundBy::Secondary, "secondary"),
        ] {
            match rows.as_slice() {
                [] => continue,
                [row] => {
                    found = Some((row, by));
                    break;
                }
                several => {
                    return Decision::Fail(Failure::Ambiguous {
                        criterion: name.to_owned(),
                        ids: several.iter().map(|r| r.id.clone()).collect(),
                    });
                }
            }
        }
        found
    };
    let references = definition.references();
    match found {
        None if !settings.create => Decision::Skip(Skip::CreatesOff),
        None => Decision::Create {
            body: to_body(&values, &references, true),
            // The id is not known before the create; the engine computes the final one.
            fingerprint: String::new(),
        },
        Some((row, found_by)) => {
            let write_back = own_id.as_deref() != Some(row.id.as_str());
            let mut differing = TargetValues::default();
            for (field, wanted) in &values.0 {
                let current = row
                    .values
                    .get(&field.to_ascii_lowercase())
                    .map(String::as_str);
                if normalized(wanted.as_deref()) != normalized(current) {
                    differing.0.insert(field.clone(), wanted.clone());
                }
            }
            let fingerprint = fingerprint(&values, &row.id);
            if differing.0.is_empty() {
                Decision::Unchanged {
                    target_id: row.id.clone(),
                    found_by,
                    fingerprint,
                    write_back,
                }
            } else if !settings.update {
                Decision::Skip(Skip::UpdatesOff)
            } else {
                Decision::Update {
                    target_id: row.id.clone(),
                    found_by,
                    changes: to_body(&differing, &references, false),
                    fingerprint,
                    write_back,
                }
            }
        }
    }
}

/// The values the flow wants for `record` (for fingerprints after a create).
pub fn wanted_values(
    definition: &FlowDefinition,
    settings: &FlowSettings,
    record: &SourceRecord,
) -> TargetValues {
    target_values(
        &settings.mappings,
        record,
        parent_target(definition, record).as_deref(),
    )
}
