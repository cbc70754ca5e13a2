//! CSRF protection: every state-changing browser request carries a token that
//! only pages of this site can know — an HMAC of the session's id (or, before
//! log-in, of an anonymous cookie) under the server's key. SameSite=Lax cookies
//! are a second line of defence, not the only one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The form field and header that carry the token.
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "X-CSRF-Token";

/// The token for the current request, put into request extensions by the
/// session middleware; pages render it into their forms.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

pub(crate) fn token_for(key: &SecretSlice<u8>, anchor: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail; fall back to an
    // unusable token rather than panic if it ever did.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.expose_secret()) else {
        return String::new();
    };
    mac.update(b"ferry-csrf|");
    mac.update(anchor.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

pub(crate) fn matches(expected: &str, presented: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_depend_on_key_and_anchor() {
        let k1 = SecretSlice::from(vec![1u8; 32]);
        let k2 = SecretSlice::from(vec![2u8; 32]);
        let t = token_for(&k1, "session-a");
        assert!(matches(&t, &token_for(&k1, "session-a")));
        assert!(!matches(&t, &token_for(&k1, "session-b")));
        assert!(!matches(&t, &token_for(&k2, "session-a")));
        assert!(!matches(&t, ""));
    }
}
