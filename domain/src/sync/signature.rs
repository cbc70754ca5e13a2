//! Errors of one root cause share a signature: same flow, kind, code and message once ids,
//! numbers and quoted values are taken out. Dashboards group by it.

use sha2::{Digest, Sha256};

/// The message with what varies per record replaced: Salesforce ids, numbers, e-mail
/// addresses and quoted values.
pub fn template(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                // A quoted value: keep the quotes, drop what is inside.
                let quote = c;
                let mut inner = String::new();
                let mut closed = false;
                for next in chars.by_ref() {
                    if next == quote {
                        closed = true;
                        break;
                    }
                    inner.push(next);
                }
                if closed {
                    out.push(quote);
                    out.push('…');
                    out.push(quote);
                } else {
                    out.push(quote);
                    out.push_str(&inner);
                }
            }
            c if c.is_alphanumeric() || c == '@' || c == '.' || c == '_' => {
                let mut word = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_alphanumeric() || n == '@' || n == '.' || n == '_' || n == '-' {
                        word.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                let trimmed = word.trim_end_matches('.');
                let trailing = &word[trimmed.len()..];
                out.push_str(&generalize(trimmed));
                out.push_str(trailing);
            }
            c => out.push(c),
        }
    }
    out
}

fn generalize(word: &str) -> String {
    let digits = word.chars().filter(char::is_ascii_digit).count();
    if word.contains('@') {
        "<email>".to_owned()
    } else if digits > 0
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        "<n>".to_owned()
    } else if (word.len() == 15 || word.len() == 18)
        && digits >= 2
        && word.chars().all(|c| c.is_ascii_alphanumeric())
    {
        "<id>".to_owned()
    } else {
        word.to_owned()
    }
}

/// 32 hex characters identifying the root cause.
pub fn signature(flow_key: &str, kind: &str, code: Option<&str>, message: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [flow_key, kind, code.unwrap_or(""), &template(message)] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_numbers_emails_and_quoted_values_are_stripped() {
        assert_eq!(
            template("account not synced to NetSuite: account 001000000000123AAA has no id"),
            "account not synced to NetSuite: account <id> has no id"
        );
        assert_eq!(
            template("ambiguous lookup: matches 3 NetSuite contacts (12, 15, 19)."),
            "ambiguous lookup: matches <n> NetSuite contacts (<n>, <n>, <n>)."
        );
        assert_eq!(
            template("Invalid email 'ada@x' for field \"email\""),
            "Invalid email '…' for field \"…\""
        );
        assert_eq!(template("sent by bob@example.com."), "sent by <email>.");
    }

    #[test]
    fn one_root_cause_one_signature() {
        let a = signature(
            "f",
            "dependency",
            None,
            "account 001000000000123AAA missing",
        );
        let b = signature(
            "f",
            "dependency",
            None,
            "account 001000000000999AAA missing",
        );
        let c = signature(
            "f",
            "validation",
            None,
            "account 001000000000999AAA missing",
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 32);
    }
}
