//! The fields of the simulated `customer` and `contact` records (PROTOCOLS.md B4).
//!
//! One table drives body parsing, rendering, SuiteQL columns and the pages, so a field exists
//! everywhere or nowhere.

/// The record types the simulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    Customer,
    Contact,
}

impl RecordType {
    /// The REST record id, which is also the SuiteQL table name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Contact => "contact",
        }
    }

    /// Parses a REST record id or SuiteQL table name (case-insensitive, as NetSuite is).
    pub fn parse(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("customer") {
            Some(Self::Customer)
        } else if name.eq_ignore_ascii_case("contact") {
            Some(Self::Contact)
        } else {
            None
        }
    }

    pub fn fields(self) -> &'static [FieldDef] {
        match self {
            Self::Customer => CUSTOMER_FIELDS,
            Self::Contact => CONTACT_FIELDS,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static FieldDef> {
        self.fields().iter().find(|f| f.name == name)
    }
}

/// What a reference field points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefTarget {
    Customer,
    /// Subsidiaries are fixed: the simulator has exactly one, id 1 (see `SUBSIDIARY_*`).
    Subsidiary,
}

/// The value kind of a body field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Email,
    Bool,
    Reference(RefTarget),
}

/// One writable body field.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    /// The camelCase REST name; its lowercase form is the SuiteQL column.
    pub name: &'static str,
    pub kind: FieldKind,
}

const fn text(name: &'static str) -> FieldDef {
    FieldDef {
        name,
        kind: FieldKind::Text,
    }
}

const fn email(name: &'static str) -> FieldDef {
    FieldDef {
        name,
        kind: FieldKind::Email,
    }
}

const fn boolean(name: &'static str) -> FieldDef {
    FieldDef {
        name,
        kind: FieldKind::Bool,
    }
}

const fn reference(name: &'static str, target: RefTarget) -> FieldDef {
    FieldDef {
        name,
        kind: FieldKind::Reference(target),
    }
}

/// The single subsidiary of the simulated (OneWorld-like) account.
pub const SUBSIDIARY_ID: u64 = 1;
pub const SUBSIDIARY_NAME: &str = "Parent Company";

/// Fields the server owns: rejected in request bodies with INVALID_CONTENT.
pub const READ_ONLY_FIELDS: &[&str] = &["id", "dateCreated", "lastModifiedDate"];

static CONTACT_FIELDS: &[FieldDef] = &[
    text("externalId"),
    text("entityId"),
    text("salutation"),
    text("firstName"),
    text("middleName"),
    text("lastName"),
    text("title"),
    email("email"),
    email("altEmail"),
    text("phone"),
    text("officePhone"),
    text("mobilePhone"),
    text("homePhone"),
    text("fax"),
    reference("company", RefTarget::Customer),
    reference("subsidiary", RefTarget::Subsidiary),
    text("contactSource"),
    text("comments"),
    text("category"),
    boolean("isInactive"),
    boolean("isPrivate"),
];

static CUSTOMER_FIELDS: &[FieldDef] = &[
    text("externalId"),
    text("entityId"),
    text("companyName"),
    boolean("isPerson"),
    text("salutation"),
    text("firstName"),
    text("lastName"),
    email("email"),
    text("phone"),
    text("altPhone"),
    text("fax"),
    text("url"),
    reference("subsidiary", RefTarget::Subsidiary),
    reference("parent", RefTarget::Customer),
    text("comments"),
    boolean("isInactive"),
];
