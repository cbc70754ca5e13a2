//! `suiteql_string` on any text: the Oracle literal reads back as exactly that text and ends
//! where the escaper says it ends, so no value can close it and append SQL of its own.
#![no_main]

use ferry_fuzz::escape::suiteql_string;
use ferry_fuzz::oracles::suiteql_literal;
use libfuzzer_sys::fuzz_target;

const TAIL: &str = " OR 1=1 --";

fuzz_target!(|value: String| {
    let literal = suiteql_string(&value);
    let query = format!("SELECT id FROM contact WHERE LOWER(email) = {literal}{TAIL}");
    let start = query.find('\'').expect("a literal");
    let (parsed, rest) = suiteql_literal(&query[start..]).expect("the literal is well formed");
    assert_eq!(parsed, value, "the literal reads back as the value");
    assert_eq!(rest, TAIL, "the literal ends where it was written to end");
});
