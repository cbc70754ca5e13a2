//! The two flows as data: what each reads, writes, depends on and writes back. One engine runs
//! both; nothing outside this file knows a Contact from an Account.

use super::criteria::Criteria;
use super::fields::{SourceField, TargetField};
use super::mapping::{FieldMapping, ValueSource};
use super::settings::{FlowSettings, LookupCriteria, LookupPair, SETTINGS_SCHEMA};

/// A NetSuite field a flow can write.
#[derive(Debug)]
pub struct TargetFieldInfo {
    pub name: &'static str,
    pub label: &'static str,
    /// NetSuite refuses a new record without it.
    pub required: bool,
    /// Written as `{"id": …}`.
    pub reference: bool,
}

const fn text(name: &'static str, label: &'static str) -> TargetFieldInfo {
    TargetFieldInfo {
        name,
        label,
        required: false,
        reference: false,
    }
}

/// The record this one needs synced first (the contact's account).
#[derive(Debug)]
pub struct ParentLink {
    /// The reference field on the source record (`AccountId`).
    pub reference_field: &'static str,
    /// Its relationship name in SOQL (`Account`).
    pub relationship: &'static str,
    /// The flow that syncs the parent.
    pub flow_key: &'static str,
    pub label: &'static str,
}

#[derive(Debug)]
pub struct FlowDefinition {
    pub key: &'static str,
    pub source_object: &'static str,
    /// NetSuite's REST record type.
    pub target_record: &'static str,
    pub target_label: &'static str,
    /// The source field that holds the target's internal id (written back after a create).
    pub writeback_field: &'static str,
    pub parent: Option<ParentLink>,
    /// The flow whose records wait for this one's (the account flow unlocks contacts).
    pub child_flow: Option<&'static str>,
    pub target_fields: &'static [TargetFieldInfo],
    /// Text fields the preview's record search matches (the first is the record's title).
    pub search_fields: &'static [&'static str],
    /// More fields shown beside a search result, to tell records apart.
    pub summary_fields: &'static [&'static str],
    default_mappings: fn() -> Vec<FieldMapping>,
    default_lookup: fn() -> LookupCriteria,
}

impl FlowDefinition {
    pub fn default_settings(&self) -> FlowSettings {
        FlowSettings {
            schema: SETTINGS_SCHEMA,
            criteria: Criteria::default(),
            lookup: (self.default_lookup)(),
            mappings: (self.default_mappings)(),
            create: true,
            update: true,
            poll_interval_minutes: 15,
        }
    }

    /// Target fields written as references.
    pub fn references(&self) -> Vec<&'static str> {
        self.target_fields
            .iter()
            .filter(|f| f.reference)
            .map(|f| f.name)
            .collect()
    }

    pub fn target_field(&self, name: &str) -> Option<&TargetFieldInfo> {
        self.target_fields.iter().find(|f| f.name == name)
    }

    pub fn writeback(&self) -> SourceField {
        SourceField::known(self.writeback_field)
    }
}

pub const ACCOUNT_FLOW: &str = "sf_account_to_ns_customer";
pub const CONTACT_FLOW: &str = "sf_contact_to_ns_contact";

const CONTACT_FIELDS: &[TargetFieldInfo] = &[
    text("salutation", "Salutation"),
    text("firstName", "First name"),
    text("middleName", "Middle name"),
    TargetFieldInfo {
        name: "lastName",
        label: "Last name",
        required: true,
        reference: false,
    },
    text("title", "Job title"),
    text("email", "E-mail"),
    text("altEmail", "Alternate e-mail"),
    text("phone", "Main phone"),
    text("officePhone", "Office phone"),
    text("mobilePhone", "Mobile phone"),
    text("homePhone", "Home phone"),
    text("fax", "Fax"),
    TargetFieldInfo {
        name: "company",
        label: "Company (customer)",
        required: false,
        reference: true,
    },
    TargetFieldInfo {
        name: "subsidiary",
        label: "Subsidiary",
        required: false,
        reference: true,
    },
    text("comments", "Comments"),
    text("contactSource", "Contact source"),
];

const CUSTOMER_FIELDS: &[TargetFieldInfo] = &[
    TargetFieldInfo {
        name: "companyName",
        label: "Company name",
        required: true,
        reference: false,
    },
    text("email", "E-mail"),
    text("phone", "Phone"),
    text("altPhone", "Alternate phone"),
    text("fax", "Fax"),
    text("url", "Web address"),
    TargetFieldInfo {
        name: "subsidiary",
        label: "Subsidiary",
        required: false,
        reference: true,
    },
    TargetFieldInfo {
        name: "parent",
        label: "Parent customer",
        required: false,
        reference: true,
    },
    text("comments", "Comments"),
];

fn contact_mappings() -> Vec<FieldMapping> {
    // Mailing address: NetSuite keeps addresses in the addressBook sublist of subrecords,
    // which the REST record API cannot write (PROTOCOLS B3/B4), so it is not mapped.
    vec![
        FieldMapping::new("firstName", ValueSource::field("FirstName")),
        FieldMapping::new("lastName", ValueSource::field("LastName")),
        FieldMapping::new("email", ValueSource::field("Email")),
        FieldMapping::new("phone", ValueSource::field("Phone")),
        FieldMapping::new("mobilePhone", ValueSource::field("MobilePhone")),
        FieldMapping::new("title", ValueSource::field("Title")),
        FieldMapping::new("company", ValueSource::ParentTarget),
    ]
}

fn contact_lookup() -> LookupCriteria {
    LookupCriteria {
        primary: vec![LookupPair::new("email", ValueSource::field("Email"))],
        secondary: vec![
            LookupPair::new("firstName", ValueSource::field("FirstName")),
            LookupPair::new("lastName", ValueSource::field("LastName")),
            LookupPair::new("company", ValueSource::ParentTarget),
        ],
    }
}

fn account_mappings() -> Vec<FieldMapping> {
    vec![
        FieldMapping::new("companyName", ValueSource::field("Name")),
        FieldMapping::new("phone", ValueSource::field("Phone")),
        FieldMapping::new("fax", ValueSource::field("Fax")),
        FieldMapping::new("url", ValueSource::field("Website")),
    ]
}

fn account_lookup() -> LookupCriteria {
    LookupCriteria {
        primary: vec![LookupPair::new("companyName", ValueSource::field("Name"))],
        secondary: Vec::new(),
    }
}

pub static ACCOUNT: FlowDefinition = FlowDefinition {
    key: ACCOUNT_FLOW,
    source_object: "Account",
    target_record: "customer",
    target_label: "customer",
    writeback_field: "NetSuite_Id__c",
    parent: None,
    child_flow: Some(CONTACT_FLOW),
    target_fields: CUSTOMER_FIELDS,
    search_fields: &["Name"],
    summary_fields: &["Phone", "Website"],
    default_mappings: account_mappings,
    default_lookup: account_lookup,
};

pub static CONTACT: FlowDefinition = FlowDefinition {
    key: CONTACT_FLOW,
    source_object: "Contact",
    target_record: "contact",
    target_label: "contact",
    writeback_field: "NetSuite_Id__c",
    parent: Some(ParentLink {
        reference_field: "AccountId",
        relationship: "Account",
        flow_key: ACCOUNT_FLOW,
        label: "account",
    }),
    child_flow: None,
    target_fields: CONTACT_FIELDS,
    search_fields: &["Name", "Email"],
    summary_fields: &["Email", "Account.Name"],
    default_mappings: contact_mappings,
    default_lookup: contact_lookup,
};

/// The definition of a stored flow key.
pub fn definition(key: &str) -> Option<&'static FlowDefinition> {
    [&ACCOUNT, &CONTACT].into_iter().find(|d| d.key == key)
}

impl TargetFieldInfo {
    pub fn field(&self) -> TargetField {
        TargetField::known(self.name)
    }
}
