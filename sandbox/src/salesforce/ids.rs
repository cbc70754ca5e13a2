//! Salesforce record ids: 15 case-sensitive characters plus a 3-character checksum suffix that
//! makes the 18-character form case-insensitive. REST always answers with the 18-character form.

/// Key prefix of Account ids.
pub const ACCOUNT_PREFIX: &str = "001";
/// Key prefix of Contact ids.
pub const CONTACT_PREFIX: &str = "003";
/// Key prefix of organization ids.
pub const ORG_PREFIX: &str = "00D";
/// Key prefix of user ids.
pub const USER_PREFIX: &str = "005";
/// Key prefix of outbound-message actions (workflow outbound messages).
pub const OUTBOUND_ACTION_PREFIX: &str = "04k";
/// Key prefix of outbound-message notifications.
pub const NOTIFICATION_PREFIX: &str = "04l";
/// Key prefix of query locators.
pub const QUERY_LOCATOR_PREFIX: &str = "01g";

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// The 18-character id of the `serial`-th record with `prefix`. The pod part (`5g0`) is fixed
/// so ids look like production ones.
pub fn record_id(prefix: &str, serial: u64) -> String {
    let mut digits = [b'0'; 9];
    let mut rest = serial;
    for slot in digits.iter_mut().rev() {
        // `rest % 62` is always a valid index into BASE62.
        *slot = BASE62[(rest % 62) as usize];
        rest /= 62;
    }
    let short = format!("{prefix}5g0{}", String::from_utf8_lossy(&digits));
    with_checksum(&short)
}

/// Appends the checksum suffix to a 15-character id.
fn with_checksum(short: &str) -> String {
    let mut full = String::with_capacity(18);
    full.push_str(short);
    for chunk in short.as_bytes().chunks(5) {
        let bits = chunk
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_ascii_uppercase())
            .fold(0usize, |acc, (i, _)| acc | (1 << i));
        full.push(char::from(SUFFIX_ALPHABET[bits]));
    }
    full
}

/// The canonical 18-character form of a 15- or 18-character id, or `None` when the text is not
/// a well-formed id (wrong length, characters, or a checksum that does not match).
pub fn canonical(text: &str) -> Option<String> {
    if !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match text.len() {
        15 => Some(with_checksum(text)),
        18 => {
            let full = with_checksum(&text[..15]);
            full[15..].eq_ignore_ascii_case(&text[15..]).then_some(full)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_eighteen_characters_and_the_prefix() {
        let id = record_id(CONTACT_PREFIX, 1);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("003"));
        assert_ne!(record_id(CONTACT_PREFIX, 1), record_id(CONTACT_PREFIX, 2));
    }

    #[test]
    fn the_checksum_matches_a_known_salesforce_id() {
        // Widely published example: 001A0000006Vm9r -> 001A0000006Vm9rIAC.
        assert_eq!(canonical("001A0000006Vm9r").unwrap(), "001A0000006Vm9rIAC");
        assert_eq!(
            canonical("001A0000006Vm9riac").unwrap(),
            "001A0000006Vm9rIAC"
        );
        assert_eq!(canonical("001A0000006Vm9rXXX"), None);
        assert_eq!(canonical("not-an-id"), None);
    }
}
