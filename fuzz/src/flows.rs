//! The part of `ferry_domain::flows` the criteria evaluator stands on, from its source files.
#![allow(dead_code)]

#[path = "../../domain/src/flows/criteria.rs"]
pub mod criteria;
#[path = "../../domain/src/flows/fields.rs"]
pub mod fields;
#[path = "../../domain/src/flows/record.rs"]
pub mod record;
