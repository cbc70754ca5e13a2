//! The code under fuzzing, compiled straight from its source files: the outbound-message
//! parser, the SOQL/SuiteQL escapers and the qualification criteria are pure (no I/O, no
//! database), and including them here keeps the instrumented build to a handful of small
//! crates instead of rebuilding sea-orm, sqlx and tokio with sanitizer flags. The modules
//! keep their places relative to each other (`flows::{criteria, fields, record}`), so their
//! `super::` imports resolve as in `ferry-domain`; a new dependency on the rest of that crate
//! fails this build, which `scripts/fuzz.sh` runs in CI.

pub mod oracles;

/// `ferry_domain::inbox::outbound_message`.
#[path = "../../domain/src/inbox/outbound_message.rs"]
pub mod outbound_message;

/// `ferry_connectors::escape`.
#[path = "../../connectors/src/escape.rs"]
pub mod escape;

/// The part of `ferry_domain::flows` the criteria evaluator stands on.
pub mod flows;
