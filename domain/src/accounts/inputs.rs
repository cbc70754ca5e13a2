//! Account inputs parsed at the edge: past these constructors nothing holds a
//! raw string from a form.

use secrecy::{ExposeSecret, SecretString};

use crate::error::DomainError;

/// A normalised (trimmed, lower-cased) e-mail address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(DomainError::invalid("email", "Enter an e-mail address."));
        }
        if email.len() > 254 || !email_address::EmailAddress::is_valid(&email) {
            return Err(DomainError::invalid(
                "email",
                "Enter a valid e-mail address, like name@example.com.",
            ));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A password chosen by a person. Never logged, never displayed.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    const MAX_BYTES: usize = 1024;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.chars().count() < Self::MIN_CHARS {
            return Err(DomainError::invalid(
                "password",
                format!("Use at least {} characters.", Self::MIN_CHARS),
            ));
        }
        // Argon2 hashes any length, but an unbounded input is a cheap DoS.
        if raw.len() > Self::MAX_BYTES {
            return Err(DomainError::invalid("password", "Use at most 1024 bytes."));
        }
        if raw.trim().is_empty() {
            return Err(DomainError::invalid(
                "password",
                "A password cannot be only spaces.",
            ));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

fn parse_label(raw: &str, field: &'static str, what: &str) -> Result<String, DomainError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(DomainError::invalid(field, format!("Enter {what}.")));
    }
    if value.chars().count() > 120 {
        return Err(DomainError::invalid(field, "Use at most 120 characters."));
    }
    if value.chars().any(char::is_control) {
        return Err(DomainError::invalid(field, "Remove control characters."));
    }
    Ok(value.to_owned())
}

/// A person's display name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        parse_label(raw, "name", "your name").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tenant's (company's) name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantName(String);

impl TenantName {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        parse_label(raw, "company", "your company's name").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A label for an API token, e.g. "CI deploy".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        parse_label(raw, "name", "a name for the token").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in ["", "ada", "ada@", "@example.com", "a b@example.com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn short_or_blank_passwords_are_refused() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("          ").is_err());
        assert!(NewPassword::parse(&"x".repeat(2000)).is_err());
        assert!(NewPassword::parse("correct horse").is_ok());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Ada ").unwrap().as_str(), "Ada");
        assert!(PersonName::parse("   ").is_err());
        assert!(TenantName::parse(&"a".repeat(121)).is_err());
        assert!(TenantName::parse("Acme\u{7}").is_err());
    }
}
