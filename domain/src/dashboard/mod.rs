//! Dashboards: what the integration dashboard, the support area and the JSON API read and
//! do. The integration's summary and hourly chart ([`overview`]), run history ([`runs`]),
//! errors with filters, groups by root cause and bulk Retry / Resolve ([`errors`], parsed by
//! [`filter`], explained by [`hints`]), every record outcome including skips ([`outcomes`]),
//! a record's timeline ([`timeline`]), and the e-mail digest of new error signatures
//! ([`digest`]).
//!
//! Lists are keyset-paged (`after` = the last row's time and id) and counts stop at
//! [`errors::COUNT_CAP`], so both stay on an index with a million error rows.

pub mod digest;
pub mod errors;
pub mod filter;
pub mod hints;
pub mod outcomes;
pub mod overview;
pub mod runs;
pub mod timeline;
pub mod window;
