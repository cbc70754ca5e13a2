//! What a person (or an API client) asks the error views for: a status tab, a flow, a kind, a
//! remote code, a root cause (signature), a record, a date range, and the page to start after.
//! Parsed once at the edge from strings ([`ErrorFilterParams`]); past it, only typed values.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::window::{date_pairs, parse_window};
use crate::error::{DomainError, FieldErrors};
use crate::ids::{FlowId, TenantId};

/// The two tabs of the error views.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorStatus {
    #[default]
    Open,
    Resolved,
}

impl ErrorStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorStatus::Open => "open",
            ErrorStatus::Resolved => "resolved",
        }
    }
}

/// Every kind the engine records (`sync_errors.kind`).
pub const KINDS: [&str; 8] = [
    "validation",
    "dependency",
    "ambiguous",
    "config",
    "auth",
    "not_found",
    "transient",
    "rate_limited",
];

/// Outcomes a record can have (`sync_outcomes.outcome`).
pub const OUTCOMES: [&str; 6] = [
    "created",
    "updated",
    "unchanged",
    "skipped",
    "failed",
    "retrying",
];

/// A position in a list ordered newest first: the time and id of the last row shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// `<unix nanoseconds>_<uuid>`: opaque to people, stable in URLs.
    pub fn encode(&self) -> String {
        let nanos = self
            .at
            .timestamp_nanos_opt()
            .unwrap_or_else(|| self.at.timestamp_micros().saturating_mul(1000));
        format!("{nanos}_{}", self.id.simple())
    }

    pub fn parse(s: &str) -> Option<Cursor> {
        let (nanos, id) = s.trim().split_once('_')?;
        let nanos: i64 = nanos.parse().ok()?;
        Some(Cursor {
            at: Utc.timestamp_nanos(nanos),
            id: Uuid::parse_str(id).ok()?,
        })
    }
}

/// The error filter as it arrives: strings from a query string, a form or JSON. Unknown and
/// empty fields are ignored, so a link never fails to parse.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ErrorFilterParams {
    /// `open` (default) or `resolved`.
    pub status: String,
    /// Support only: one tenant.
    pub tenant: String,
    pub flow: String,
    pub kind: String,
    pub code: String,
    pub signature: String,
    /// A Salesforce record id.
    pub record: String,
    /// `YYYY-MM-DD` (from the start of that day, UTC) or RFC 3339.
    pub from: String,
    /// `YYYY-MM-DD` (to the end of that day, UTC) or RFC 3339.
    pub to: String,
    /// The cursor of the page to start after.
    pub after: String,
}

/// A parsed error filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorFilter {
    pub status: ErrorStatus,
    pub tenant: Option<TenantId>,
    pub flow: Option<FlowId>,
    pub kind: Option<&'static str>,
    pub code: Option<String>,
    pub signature: Option<String>,
    pub record: Option<String>,
    /// Last seen at or after.
    pub since: Option<DateTime<Utc>>,
    /// Last seen before.
    pub until: Option<DateTime<Utc>>,
}

fn non_empty(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// A day (`YYYY-MM-DD`, UTC) or an RFC 3339 instant. `end_of_day` moves a day to the next
/// midnight, so `to=2026-11-26` includes that whole day.
pub fn parse_instant(s: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let start = Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?);
        return Some(if end_of_day {
            start + Duration::days(1)
        } else {
            start
        });
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// A Salesforce record id: 15 or 18 letters and digits (shorter ones are accepted for
/// searching, longer ones refused).
pub fn parse_record_id(s: &str) -> Result<String, DomainError> {
    let s = s.trim();
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(DomainError::invalid(
            "record",
            "Enter a Salesforce record id (15 or 18 letters and digits).",
        ));
    }
    Ok(s.to_owned())
}

impl TryFrom<&ErrorFilterParams> for ErrorFilter {
    type Error = DomainError;

    fn try_from(p: &ErrorFilterParams) -> Result<Self, Self::Error> {
        let mut errors = FieldErrors::default();
        let status = match non_empty(&p.status) {
            None | Some("open") => ErrorStatus::Open,
            Some("resolved") => ErrorStatus::Resolved,
            Some(_) => {
                errors.push("status", "Choose open or resolved.");
                ErrorStatus::Open
            }
        };
        let uuid_of = |field: &'static str, s: &str, errors: &mut FieldErrors| {
            non_empty(s).and_then(|s| match Uuid::parse_str(s) {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(field, "Not a valid id.");
                    None
                }
            })
        };
        let tenant = uuid_of("tenant", &p.tenant, &mut errors).map(TenantId);
        let flow = uuid_of("flow", &p.flow, &mut errors).map(FlowId);
        let kind = non_empty(&p.kind).and_then(|k| {
            let found = KINDS.iter().find(|known| **known == k).copied();
            if found.is_none() {
                errors.push("kind", format!("Choose one of: {}.", KINDS.join(", ")));
            }
            found
        });
        let code = non_empty(&p.code).and_then(|c| {
            if c.len() > 64 {
                errors.push("code", "A code has at most 64 characters.");
                None
            } else {
                Some(c.to_owned())
            }
        });
        let signature = non_empty(&p.signature).and_then(|s| {
            if s.len() > 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
                errors.push("signature", "Not a valid signature.");
                None
            } else {
                Some(s.to_ascii_lowercase())
            }
        });
        let record = non_empty(&p.record).and_then(|r| errors.check(parse_record_id(r)));
        let (since, until) = parse_window(&p.from, &p.to, &mut errors);
        errors.into_result()?;
        Ok(ErrorFilter {
            status,
            tenant,
            flow,
            kind,
            code,
            signature,
            record,
            since,
            until,
        })
    }
}

impl ErrorFilter {
    pub fn open() -> Self {
        Self::default()
    }

    /// The filter as query-string pairs (no cursor), for links and hidden form fields.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![("status", self.status.as_str().to_owned())];
        if let Some(t) = self.tenant {
            out.push(("tenant", t.to_string()));
        }
        if let Some(f) = self.flow {
            out.push(("flow", f.to_string()));
        }
        if let Some(k) = self.kind {
            out.push(("kind", k.to_owned()));
        }
        if let Some(c) = &self.code {
            out.push(("code", c.clone()));
        }
        if let Some(s) = &self.signature {
            out.push(("signature", s.clone()));
        }
        if let Some(r) = &self.record {
            out.push(("record", r.clone()));
        }
        out.extend(date_pairs(self.since, self.until));
        out
    }

    /// Whether anything beyond the status narrows the list.
    pub fn is_narrowed(&self) -> bool {
        self.tenant.is_some()
            || self.flow.is_some()
            || self.kind.is_some()
            || self.code.is_some()
            || self.signature.is_some()
            || self.record.is_some()
            || self.since.is_some()
            || self.until.is_some()
    }
}

/// The cursor of `params.after`, if any (a broken one starts from the top).
pub fn cursor_of(after: &str) -> Option<Cursor> {
    non_empty(after).and_then(Cursor::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> ErrorFilterParams {
        let query = serde_urlencoded::to_string(pairs).unwrap();
        serde_urlencoded::from_str(&query).unwrap()
    }

    #[test]
    fn an_empty_filter_is_the_open_tab() {
        let f = ErrorFilter::try_from(&ErrorFilterParams::default()).unwrap();
        assert_eq!(f, ErrorFilter::open());
        assert!(!f.is_narrowed());
    }

    #[test]
    fn every_field_parses_and_round_trips_through_pairs() {
        let flow = Uuid::now_v7().to_string();
        let p = params(&[
            ("status", "resolved"),
            ("flow", &flow),
            ("kind", "validation"),
            ("code", "USER_ERROR"),
            ("signature", "ABCDEF0123"),
            ("record", "003000000000001AAA"),
            ("from", "2026-11-01"),
            ("to", "2026-11-02"),
        ]);
        let f = ErrorFilter::try_from(&p).unwrap();
        assert_eq!(f.status, ErrorStatus::Resolved);
        assert_eq!(f.kind, Some("validation"));
        assert_eq!(f.signature.as_deref(), Some("abcdef0123"));
        assert_eq!(
            f.until.unwrap() - f.since.unwrap(),
            Duration::days(2),
            "to includes its whole day"
        );
        let again: Vec<(&str, String)> = f.to_pairs();
        let p2 = params(
            &again
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        );
        assert_eq!(ErrorFilter::try_from(&p2).unwrap(), f);
    }

    #[test]
    fn nonsense_is_reported_field_by_field() {
        let p = params(&[
            ("status", "maybe"),
            ("kind", "cosmic_rays"),
            ("flow", "nope"),
            ("record", "003'; DROP TABLE"),
            ("from", "yesterday"),
        ]);
        let Err(DomainError::Invalid(errors)) = ErrorFilter::try_from(&p) else {
            panic!("should fail");
        };
        for field in ["status", "kind", "flow", "record", "from"] {
            assert!(errors.get(field).is_some(), "{field}: {errors}");
        }
    }

    #[test]
    fn cursors_round_trip_to_the_nanosecond() {
        let c = Cursor {
            at: Utc.timestamp_nanos(1_795_000_000_123_456_789),
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        assert_eq!(Cursor::parse("garbage"), None);
        assert_eq!(cursor_of(""), None);
    }
}
