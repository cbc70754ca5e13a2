//! `soql_string` and `soql_like_contains` on any text: the literal reads back as exactly that
//! text, ends where the escaper says it ends (nothing after it can become part of it, nothing
//! in it can end it early), and the LIKE pattern matches the text literally, wildcards only at
//! its two ends.
#![no_main]

use ferry_fuzz::escape::{soql_like_contains, soql_string};
use ferry_fuzz::oracles::{LikePart, soql_literal, soql_pattern};
use libfuzzer_sys::fuzz_target;

/// What follows the literal in a real query; it must stay outside it.
const TAIL: &str = " OR Id != null";

fuzz_target!(|value: String| {
    let query = format!("{}{TAIL}", soql_string(&value));
    let (parsed, rest) = soql_literal(&query).expect("the escaped literal is well formed");
    assert_eq!(parsed, value, "the literal reads back as the value");
    assert_eq!(rest, TAIL, "the literal ends where it was written to end");

    let query = format!("{}{TAIL}", soql_like_contains(&value));
    let (parts, rest) = soql_pattern(&query).expect("the LIKE pattern is well formed");
    assert_eq!(rest, TAIL);
    let expected: Vec<LikePart> = std::iter::once(LikePart::Any)
        .chain(value.chars().map(LikePart::Literal))
        .chain(std::iter::once(LikePart::Any))
        .collect();
    assert_eq!(
        parts, expected,
        "the term's own % and _ match only themselves"
    );
});
