//! Field names that come from settings. They end up inside SOQL and SuiteQL text, where no
//! escaping applies to identifiers, so they are parsed here once and only identifiers pass.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.len() <= 80
}

/// A Salesforce field of the source object, or of its parent (`Account.Name`): one optional
/// relationship step.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct SourceField(String);

impl SourceField {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let mut parts = s.split('.');
        let ok = match (parts.next(), parts.next(), parts.next()) {
            (Some(a), None, _) => is_identifier(a),
            (Some(a), Some(b), None) => is_identifier(a) && is_identifier(b),
            _ => false,
        };
        ok.then(|| Self(s.to_owned()))
    }

    /// A name known to be valid (the built-in definitions).
    pub(crate) fn known(s: &'static str) -> Self {
        Self(s.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SourceField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("{s:?} is not a Salesforce field name"))
        })
    }
}

/// A NetSuite record field (`firstName`, `company`). SuiteQL names the same column in lower
/// case.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct TargetField(String);

impl TargetField {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        is_identifier(s).then(|| Self(s.to_owned()))
    }

    pub(crate) fn known(s: &'static str) -> Self {
        Self(s.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SuiteQL column of this field.
    pub fn column(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for TargetField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TargetField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a NetSuite field name")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_identifiers_and_one_relationship_step_are_field_names() {
        for ok in ["Email", "NetSuite_Id__c", "Account.NetSuite_Id__c", "a1"] {
            assert!(SourceField::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "1Email",
            "Email,Id",
            "Email FROM Contact",
            "Account.Owner.Name",
            "Email'",
            "Name--",
            ".Email",
        ] {
            assert!(SourceField::parse(bad).is_none(), "{bad}");
        }
        assert!(TargetField::parse("company").is_some());
        assert!(TargetField::parse("company.id").is_none());
        assert_eq!(TargetField::known("mobilePhone").column(), "mobilephone");
    }
}
