//! RFC 3986 percent-encoding as OAuth 1.0a requires it (PHP `rawurlencode`): everything but
//! `A-Z a-z 0-9 - . _ ~` is encoded, with uppercase hex.

/// Encodes `input` for the signature base string.
pub fn encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for byte in input.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes percent escapes; `plus_as_space` for `application/x-www-form-urlencoded` query
/// strings. Malformed escapes are kept literally, and invalid UTF-8 is replaced, so decoding
/// never fails: a bad signature is reported later instead.
pub fn decode(input: &str, plus_as_space: bool) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len()
                && hex(bytes[i + 1]).is_some()
                && hex(bytes[i + 2]).is_some() =>
            {
                let hi = hex(bytes[i + 1]).unwrap_or(0);
                let lo = hex(bytes[i + 2]).unwrap_or(0);
                out.push(hi * 16 + lo);
                i += 3;
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_characters_are_encoded_and_unreserved_kept() {
        assert_eq!(encode("a b&c=d/é~-._"), "a%20b%26c%3Dd%2F%C3%A9~-._");
        assert_eq!(encode("+"), "%2B");
    }

    #[test]
    fn decoding_is_total() {
        assert_eq!(decode("a%20b+c", true), "a b c");
        assert_eq!(decode("a%2", false), "a%2");
        assert_eq!(decode("%zz%", false), "%zz%");
        assert_eq!(decode("%C3%A9", false), "é");
    }
}
