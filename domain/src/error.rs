//! The domain's one error type. Each variant has a stable snake_case code that
//! the HTTP layer maps to a status and shows to API clients.

use std::borrow::Cow;
use std::fmt;

/// A message about one input field, shown next to that field in a form. The field is a
/// name (`email`) or, for repeated rows, a path (`mappings.2.target`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: Cow<'static, str>,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every input problem found in one submission, so a form can show them all at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: impl Into<Cow<'static, str>>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for `field`, if any (templates show it under the input).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Keeps the value of a successful parse; records the field errors of a
    /// failed one, so a form can report every problem at once.
    pub fn check<T>(&mut self, parsed: Result<T, DomainError>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(DomainError::Invalid(errors)) => {
                self.0.extend(errors.0);
                None
            }
            Err(other) => {
                self.push("form", other.to_string());
                None
            }
        }
    }

    /// `Ok(())` when nothing was reported, else the collected errors.
    pub fn into_result(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self))
        }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The row does not exist, or belongs to another tenant (never distinguished).
    #[error("not found")]
    NotFound,
    /// The input failed validation.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The caller's role does not allow this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The request clashes with the current state (e.g. e-mail already registered).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A credential was wrong or has expired.
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Invalid(_) => "invalid_input",
            Self::Forbidden(_) => "forbidden",
            Self::Conflict(_) => "conflict",
            Self::Unauthenticated(_) => "unauthenticated",
            Self::Database(_) => "database_error",
            Self::Internal(_) => "internal_error",
        }
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.push(field, message);
        Self::Invalid(errors)
    }
}

impl From<sea_orm::TransactionError<DomainError>> for DomainError {
    fn from(err: sea_orm::TransactionError<DomainError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => Self::Database(db),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
