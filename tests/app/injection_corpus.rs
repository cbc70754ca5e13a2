//! Strings built to break out of a SOQL or SuiteQL string literal, or to turn an equality into
//! a wildcard match: quotes of every kind, backslashes (SOQL's escape character, a plain
//! character in SuiteQL), LIKE wildcards, comment markers, line breaks, escape sequences
//! written out, and long runs of the characters that need escaping. Every value fits a
//! Salesforce contact's `FirstName` (40 characters), `LastName` (80) and `Title` (128).

/// Free text: names and titles.
pub const TEXT: &[&str] = &[
    "O'Brien",
    "' OR '1'='1",
    "x' OR lastname LIKE '%",
    "\\' OR 1=1 --",
    "ends with a backslash \\",
    "\\\\' two backslashes, a quote",
    "'' doubled '' quotes",
    "50% off_sale",
    "%",
    "_",
    "\u{2019}curly\u{2018} \u{201c}quotes\u{201d} \u{02bc}\u{ff07}",
    "line\nbreak\r\nand\ttab",
    "'; DROP TABLE contact; --",
    "/* comment */ -- tail #",
    "\"double\" \\\"escaped\\\"",
    "\\u0027 is not an escape",
    "\\n literal backslash n \\%",
    "') OR ('a'='a",
    "Zoë Ünïcødé 日本語 🚀",
    // PostgreSQL stores no U+0000: this one wedged its whole batch until outcomes and errors
    // stored it as U+FFFD (`sync::records::storable`).
    "nul\u{0}byte",
];

/// A long value made of nothing but characters that need escaping.
pub fn long_text(len: usize) -> String {
    "'\\\"%_".chars().cycle().take(len).collect()
}

/// E-mail addresses both Salesforce and NetSuite accept (no spaces, one `@`, a dotted
/// domain, none of `<>,;`) that carry quotes, backslashes and wildcards.
pub const EMAILS: &[&str] = &[
    "o'brien@example.com",
    "'or'1'='1@example.com",
    "a%b_c@example.com",
    "back\\slash@example.com",
    "'--@example.com",
    "\"quoted\"@example.com",
    "x''y@example.com",
    "trail\\@example.com",
    "%@example.com",
];

/// Addresses that differ from `email` only in how its special characters are written: what a
/// wrong escaping (doubled, dropped, or read as a wildcard) would match instead of it.
pub fn near_misses(email: &str) -> Vec<String> {
    let variants = [
        email.replace('\'', "''"),
        email.replace('\'', ""),
        email.replace('\\', "\\\\"),
        email.replace('\\', ""),
        email.replace('%', "x").replace('_', "y"),
        email.replace(['%', '_'], ""),
        email.replace('"', ""),
    ];
    let mut out: Vec<String> = variants
        .into_iter()
        .filter(|v| v != email && !EMAILS.contains(&v.as_str()) && v.contains('@'))
        .filter(|v| !v.starts_with('@'))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Search terms for the preview's name search (a SOQL `LIKE`).
pub const SEARCH_TERMS: &[&str] = &[
    "%",
    "_",
    "50%",
    "a_b",
    "\\",
    "back\\",
    "'",
    "O'B",
    "' OR 'a'='a",
    "\\%",
    "\\_",
    "%'--",
    "''",
    "\"",
];
