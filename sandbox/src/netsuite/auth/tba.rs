//! Token-Based Authentication (OAuth 1.0a, HMAC-SHA256) as NetSuite checks it
//! (PROTOCOLS.md B2.3): the signature base string is
//! `METHOD & enc(base URL) & enc(sorted, encoded oauth_* and query parameters)`, with `realm`
//! and `oauth_signature` left out; the key is `enc(consumer_secret) & enc(token_secret)`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::percent;

/// The parameters of an `Authorization: OAuth …` header, values decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthHeader {
    pub realm: Option<String>,
    pub params: Vec<(String, String)>,
}

impl OAuthHeader {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `OAuth realm="…", oauth_consumer_key="…", …`; `None` when it is not an OAuth header
/// or is malformed.
pub fn parse_authorization(value: &str) -> Option<OAuthHeader> {
    let rest = value.trim();
    let scheme_len = rest.find(char::is_whitespace)?;
    if !rest[..scheme_len].eq_ignore_ascii_case("oauth") {
        return None;
    }
    let mut realm = None;
    let mut params = Vec::new();
    for part in rest[scheme_len..].split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, raw) = part.split_once('=')?;
        let raw = raw.trim();
        let unquoted = raw
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or(raw);
        let name = name.trim();
        if name.eq_ignore_ascii_case("realm") {
            realm = Some(unquoted.to_string());
        } else {
            params.push((
                percent::decode(name, false),
                percent::decode(unquoted, false),
            ));
        }
    }
    Some(OAuthHeader { realm, params })
}

/// Splits a raw query string into decoded pairs.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent::decode(k, true), percent::decode(v, true))
        })
        .collect()
}

/// The signature base string.
pub fn base_string(
    method: &str,
    base_url: &str,
    oauth_params: &[(String, String)],
    query_params: &[(String, String)],
) -> String {
    let mut pairs: Vec<(String, String)> = oauth_params
        .iter()
        .filter(|(k, _)| k != "oauth_signature" && k != "realm")
        .chain(query_params.iter())
        .map(|(k, v)| (percent::encode(k), percent::encode(v)))
        .collect();
    pairs.sort();
    let normalized = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_uppercase(),
        percent::encode(base_url),
        percent::encode(&normalized)
    )
}

fn mac(consumer_secret: &str, token_secret: &str) -> Option<Hmac<Sha256>> {
    let key = format!(
        "{}&{}",
        percent::encode(consumer_secret),
        percent::encode(token_secret)
    );
    Hmac::<Sha256>::new_from_slice(key.as_bytes()).ok()
}

/// Base64 HMAC-SHA256 signature of a base string (what a client puts in `oauth_signature`).
pub fn sign(base: &str, consumer_secret: &str, token_secret: &str) -> String {
    match mac(consumer_secret, token_secret) {
        Some(mut m) => {
            m.update(base.as_bytes());
            STANDARD.encode(m.finalize().into_bytes())
        }
        None => String::new(),
    }
}

/// Checks a client's signature in constant time.
pub fn verify(base: &str, consumer_secret: &str, token_secret: &str, signature: &str) -> bool {
    let Ok(provided) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Some(mut m) = mac(consumer_secret, token_secret) else {
        return false;
    };
    m.update(base.as_bytes());
    m.verify_slice(&provided).is_ok()
}

/// The base string URL: lowercase scheme and host, default ports dropped, no query.
pub fn base_url(scheme: &str, host: &str, path: &str) -> String {
    let scheme = scheme.to_lowercase();
    let host = host.to_lowercase();
    let host = match (scheme.as_str(), host.rsplit_once(':')) {
        ("http", Some((h, "80"))) | ("https", Some((h, "443"))) => h.to_string(),
        _ => host,
    };
    format!("{scheme}://{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_parsed_and_values_decoded() {
        let header = parse_authorization(
            r#"OAuth realm="1234567_SB1", oauth_consumer_key="ck", oauth_signature="a%2Bb%3D""#,
        )
        .unwrap();
        assert_eq!(header.realm.as_deref(), Some("1234567_SB1"));
        assert_eq!(header.get("oauth_signature"), Some("a+b="));
        assert!(parse_authorization("Bearer abc").is_none());
    }

    #[test]
    fn the_base_string_leaves_out_realm_and_signature_and_sorts_parameters() {
        let oauth = vec![
            ("oauth_nonce".to_string(), "n".to_string()),
            ("oauth_signature".to_string(), "sig".to_string()),
            ("oauth_consumer_key".to_string(), "ck".to_string()),
        ];
        let query = vec![
            ("limit".to_string(), "5".to_string()),
            ("a b".to_string(), "c".to_string()),
        ];
        let base = base_string(
            "get",
            "http://127.0.0.1:8082/services/rest/record/v1/contact",
            &oauth,
            &query,
        );
        assert_eq!(
            base,
            "GET&http%3A%2F%2F127.0.0.1%3A8082%2Fservices%2Frest%2Frecord%2Fv1%2Fcontact&\
             a%2520b%3Dc%26limit%3D5%26oauth_consumer_key%3Dck%26oauth_nonce%3Dn"
        );
    }

    #[test]
    fn a_signature_made_with_the_secrets_verifies_and_a_tampered_one_does_not() {
        let sig = sign("base", "cs", "ts");
        assert!(verify("base", "cs", "ts", &sig));
        assert!(!verify("base2", "cs", "ts", &sig));
        assert!(!verify("base", "cs", "other", &sig));
        assert!(!verify("base", "cs", "ts", "not base64!"));
    }

    #[test]
    fn default_ports_are_dropped_from_the_base_url() {
        assert_eq!(
            base_url("HTTPS", "Acct.Example:443", "/x"),
            "https://acct.example/x"
        );
        assert_eq!(
            base_url("http", "127.0.0.1:8082", "/x"),
            "http://127.0.0.1:8082/x"
        );
    }
}
