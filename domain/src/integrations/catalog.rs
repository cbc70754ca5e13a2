//! The integration apps Ferry offers, and the flows each one brings.

/// How a flow is started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerKind {
    /// Salesforce notifies Ferry as records change.
    RealTime,
    /// Ferry polls Salesforce on an interval.
    Scheduled,
}

impl TriggerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerKind::RealTime => "realtime",
            TriggerKind::Scheduled => "scheduled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TriggerKind::RealTime => "Real-time",
            TriggerKind::Scheduled => "Scheduled",
        }
    }

    pub fn from_stored(s: &str) -> Self {
        if s == "scheduled" {
            TriggerKind::Scheduled
        } else {
            TriggerKind::RealTime
        }
    }
}

/// A flow an app installs.
pub struct FlowTemplate {
    pub key: &'static str,
    pub section: &'static str,
    pub name: &'static str,
    pub trigger: TriggerKind,
}

/// An app a tenant can install.
pub struct AppTemplate {
    pub key: &'static str,
    pub name: &'static str,
    pub flows: &'static [FlowTemplate],
}

/// The Salesforce ↔ NetSuite app. Account comes first: contacts can only sync
/// once their account is a NetSuite customer.
pub const SALESFORCE_NETSUITE: AppTemplate = AppTemplate {
    key: "salesforce-netsuite",
    name: "Salesforce ↔ NetSuite",
    flows: &[
        FlowTemplate {
            key: "sf_account_to_ns_customer",
            section: "Account",
            name: "Salesforce Account to NetSuite Customer Add/Update",
            trigger: TriggerKind::RealTime,
        },
        FlowTemplate {
            key: "sf_contact_to_ns_contact",
            section: "Contact",
            name: "Salesforce Contact to NetSuite Contact Add/Update",
            trigger: TriggerKind::RealTime,
        },
    ],
};
