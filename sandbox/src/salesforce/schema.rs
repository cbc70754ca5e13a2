//! The two sObjects the simulator knows, Account and Contact, with the field metadata that
//! validation, SOQL and `describe` all read (PROTOCOLS.md A9).

use serde::{Deserialize, Serialize};

use super::ids;

/// The sObject types of the simulated org.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ObjectKind {
    Account,
    Contact,
}

impl ObjectKind {
    pub const ALL: [ObjectKind; 2] = [ObjectKind::Account, ObjectKind::Contact];

    /// Case-insensitive lookup of an sObject API name, as Salesforce does it.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Account => "Account",
            Self::Contact => "Contact",
        }
    }

    pub fn label_plural(self) -> &'static str {
        match self {
            Self::Account => "Accounts",
            Self::Contact => "Contacts",
        }
    }

    pub fn key_prefix(self) -> &'static str {
        match self {
            Self::Account => ids::ACCOUNT_PREFIX,
            Self::Contact => ids::CONTACT_PREFIX,
        }
    }

    /// The sObject an id belongs to, by key prefix.
    pub fn of_id(id: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| id.starts_with(kind.key_prefix()))
    }

    pub fn fields(self) -> &'static [FieldDef] {
        match self {
            Self::Account => ACCOUNT_FIELDS,
            Self::Contact => CONTACT_FIELDS,
        }
    }

    /// Case-insensitive field lookup.
    pub fn field(self, name: &str) -> Option<&'static FieldDef> {
        self.fields()
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Case-insensitive lookup of a relationship name (`Account` on Contact, `Parent` on
    /// Account): the reference field that carries it.
    pub fn relationship(self, name: &str) -> Option<&'static FieldDef> {
        self.fields().iter().find(|f| {
            f.relationship_name
                .is_some_and(|r| r.eq_ignore_ascii_case(name))
        })
    }

    /// The field that labels a record in lists and lookups.
    pub fn name_field(self) -> &'static str {
        "Name"
    }
}

/// Salesforce field types used by the two objects (the `type` of `describe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Id,
    String,
    Textarea,
    Email,
    Phone,
    Url,
    Picklist,
    Reference,
    Datetime,
    Boolean,
}

impl FieldType {
    pub fn describe_name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::String => "string",
            Self::Textarea => "textarea",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Url => "url",
            Self::Picklist => "picklist",
            Self::Reference => "reference",
            Self::Datetime => "datetime",
            Self::Boolean => "boolean",
        }
    }

    pub fn soap_type(self) -> &'static str {
        match self {
            Self::Id | Self::Reference => "tns:ID",
            Self::Datetime => "xsd:dateTime",
            Self::Boolean => "xsd:boolean",
            _ => "xsd:string",
        }
    }

    /// Whether values are text on the wire (quoted in SOQL, strings in JSON).
    pub fn is_text(self) -> bool {
        !matches!(self, Self::Datetime | Self::Boolean)
    }
}

/// Metadata of one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldType,
    pub length: u32,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    /// Filled by the platform when absent on create (`defaultedOnCreate`).
    pub defaulted: bool,
    pub custom: bool,
    pub external_id: bool,
    pub unique: bool,
    pub picklist: &'static [&'static str],
    pub reference_to: Option<ObjectKind>,
    pub relationship_name: Option<&'static str>,
}

impl FieldDef {
    /// What the Settings UI marks as required: must be given on create.
    pub fn required(&self) -> bool {
        !self.nillable && self.createable && !self.defaulted
    }

    /// Maintained by the platform only (ids, audit fields, compound names).
    pub fn is_system(&self) -> bool {
        !self.createable && !self.updateable
    }
}

const fn text(name: &'static str, label: &'static str, length: u32) -> FieldDef {
    FieldDef {
        name,
        label,
        kind: FieldType::String,
        length,
        nillable: true,
        createable: true,
        updateable: true,
        defaulted: false,
        custom: false,
        external_id: false,
        unique: false,
        picklist: &[],
        reference_to: None,
        relationship_name: None,
    }
}

const fn typed(name: &'static str, label: &'static str, kind: FieldType, length: u32) -> FieldDef {
    FieldDef {
        kind,
        ..text(name, label, length)
    }
}

const fn system(name: &'static str, label: &'static str, kind: FieldType, length: u32) -> FieldDef {
    FieldDef {
        kind,
        nillable: false,
        createable: false,
        updateable: false,
        defaulted: true,
        ..text(name, label, length)
    }
}

const fn reference(
    name: &'static str,
    label: &'static str,
    to: ObjectKind,
    relationship: &'static str,
) -> FieldDef {
    FieldDef {
        kind: FieldType::Reference,
        reference_to: Some(to),
        relationship_name: Some(relationship),
        ..text(name, label, 18)
    }
}

const fn picklist(
    name: &'static str,
    label: &'static str,
    values: &'static [&'static str],
) -> FieldDef {
    FieldDef {
        kind: FieldType::Picklist,
        picklist: values,
        ..text(name, label, 255)
    }
}

/// The unique external-id field both objects carry: the NetSuite internal id.
pub const NETSUITE_ID: &str = "NetSuite_Id__c";

const NETSUITE_ID_FIELD: FieldDef = FieldDef {
    custom: true,
    external_id: true,
    unique: true,
    ..text(NETSUITE_ID, "NetSuite Id", 32)
};

const SALUTATIONS: &[&str] = &["Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", "Mx."];
const ACCOUNT_TYPES: &[&str] = &[
    "Prospect",
    "Customer - Direct",
    "Customer - Channel",
    "Channel Partner / Reseller",
    "Installation Partner",
    "Technology Partner",
    "Other",
];
const INDUSTRIES: &[&str] = &[
    "Agriculture",
    "Banking",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Finance",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Manufacturing",
    "Media",
    "Retail",
    "Technology",
    "Transportation",
    "Utilities",
    "Other",
];

const ACCOUNT_FIELDS: &[FieldDef] = &[
    system("Id", "Account ID", FieldType::Id, 18),
    system("IsDeleted", "Deleted", FieldType::Boolean, 0),
    FieldDef {
        createable: false,
        updateable: false,
        ..reference(
            "MasterRecordId",
            "Master Record ID",
            ObjectKind::Account,
            "MasterRecord",
        )
    },
    FieldDef {
        nillable: false,
        ..text("Name", "Account Name", 255)
    },
    picklist("Type", "Account Type", ACCOUNT_TYPES),
    reference(
        "ParentId",
        "Parent Account ID",
        ObjectKind::Account,
        "Parent",
    ),
    typed("BillingStreet", "Billing Street", FieldType::Textarea, 255),
    text("BillingCity", "Billing City", 40),
    text("BillingState", "Billing State/Province", 80),
    text("BillingPostalCode", "Billing Zip/Postal Code", 20),
    text("BillingCountry", "Billing Country", 80),
    typed(
        "ShippingStreet",
        "Shipping Street",
        FieldType::Textarea,
        255,
    ),
    text("ShippingCity", "Shipping City", 40),
    text("ShippingState", "Shipping State/Province", 80),
    text("ShippingPostalCode", "Shipping Zip/Postal Code", 20),
    text("ShippingCountry", "Shipping Country", 80),
    typed("Phone", "Account Phone", FieldType::Phone, 40),
    typed("Fax", "Account Fax", FieldType::Phone, 40),
    text("AccountNumber", "Account Number", 40),
    typed("Website", "Website", FieldType::Url, 255),
    picklist("Industry", "Industry", INDUSTRIES),
    typed(
        "Description",
        "Account Description",
        FieldType::Textarea,
        32000,
    ),
    FieldDef {
        nillable: false,
        defaulted: true,
        ..typed("OwnerId", "Owner ID", FieldType::Reference, 18)
    },
    system("CreatedDate", "Created Date", FieldType::Datetime, 0),
    system("CreatedById", "Created By ID", FieldType::Reference, 18),
    system(
        "LastModifiedDate",
        "Last Modified Date",
        FieldType::Datetime,
        0,
    ),
    system(
        "LastModifiedById",
        "Last Modified By ID",
        FieldType::Reference,
        18,
    ),
    system("SystemModstamp", "System Modstamp", FieldType::Datetime, 0),
    NETSUITE_ID_FIELD,
];

const CONTACT_FIELDS: &[FieldDef] = &[
    system("Id", "Contact ID", FieldType::Id, 18),
    system("IsDeleted", "Deleted", FieldType::Boolean, 0),
    FieldDef {
        createable: false,
        updateable: false,
        ..reference(
            "MasterRecordId",
            "Master Record ID",
            ObjectKind::Contact,
            "MasterRecord",
        )
    },
    reference("AccountId", "Account ID", ObjectKind::Account, "Account"),
    FieldDef {
        nillable: false,
        ..text("LastName", "Last Name", 80)
    },
    text("FirstName", "First Name", 40),
    picklist("Salutation", "Salutation", SALUTATIONS),
    system("Name", "Full Name", FieldType::String, 121),
    text("Title", "Title", 128),
    text("Department", "Department", 80),
    typed("Email", "Email", FieldType::Email, 80),
    typed("Phone", "Business Phone", FieldType::Phone, 40),
    typed("MobilePhone", "Mobile Phone", FieldType::Phone, 40),
    typed("HomePhone", "Home Phone", FieldType::Phone, 40),
    typed("OtherPhone", "Other Phone", FieldType::Phone, 40),
    typed("Fax", "Business Fax", FieldType::Phone, 40),
    typed("MailingStreet", "Mailing Street", FieldType::Textarea, 255),
    text("MailingCity", "Mailing City", 40),
    text("MailingState", "Mailing State/Province", 80),
    text("MailingPostalCode", "Mailing Zip/Postal Code", 20),
    text("MailingCountry", "Mailing Country", 80),
    typed(
        "Description",
        "Contact Description",
        FieldType::Textarea,
        32000,
    ),
    FieldDef {
        nillable: false,
        defaulted: true,
        ..typed("OwnerId", "Owner ID", FieldType::Reference, 18)
    },
    system("CreatedDate", "Created Date", FieldType::Datetime, 0),
    system("CreatedById", "Created By ID", FieldType::Reference, 18),
    system(
        "LastModifiedDate",
        "Last Modified Date",
        FieldType::Datetime,
        0,
    ),
    system(
        "LastModifiedById",
        "Last Modified By ID",
        FieldType::Reference,
        18,
    ),
    system("SystemModstamp", "System Modstamp", FieldType::Datetime, 0),
    NETSUITE_ID_FIELD,
];
