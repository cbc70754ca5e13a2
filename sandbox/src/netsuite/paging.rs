//! `limit` / `offset` query parameters of collections and SuiteQL.

use super::auth::tba::query_pairs;
use super::error::{NsError, NsErrorCode};

/// NetSuite serves at most 1000 items per page, and 1000 by default.
pub const MAX_LIMIT: u64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u64,
    pub offset: u64,
}

fn bad(param: &str, detail: String) -> NsError {
    NsError::new(NsErrorCode::InvalidParameter, detail).at_query_param(param)
}

/// Parses `limit` (1..=1000) and `offset`; SuiteQL also wants `offset` to be a multiple of
/// `limit` (UNCONFIRMED in PROTOCOLS.md B5; enforced to keep clients honest).
pub fn parse_page(query: &str, offset_multiple_of_limit: bool) -> Result<Page, NsError> {
    let pairs = query_pairs(query);
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let limit = match get("limit") {
        None => MAX_LIMIT,
        Some(raw) => match raw.parse::<u64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(bad(
                    "limit",
                    format!(
                        "Invalid value {raw} for query parameter limit. \
                         Use an integer from 1 to {MAX_LIMIT}."
                    ),
                ));
            }
        },
    };
    let offset = match get("offset") {
        None => 0,
        Some(raw) => raw.parse::<u64>().map_err(|_| {
            bad(
                "offset",
                format!(
                    "Invalid value {raw} for query parameter offset. Use a non-negative integer."
                ),
            )
        })?,
    };
    if offset_multiple_of_limit && offset % limit != 0 {
        return Err(bad(
            "offset",
            format!(
                "Invalid value {offset} for query parameter offset. \
                 The offset must be a multiple of the limit ({limit})."
            ),
        ));
    }
    Ok(Page { limit, offset })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds_are_enforced() {
        assert_eq!(
            parse_page("", true).unwrap(),
            Page {
                limit: 1000,
                offset: 0
            }
        );
        assert_eq!(
            parse_page("limit=10&offset=20", true).unwrap(),
            Page {
                limit: 10,
                offset: 20
            }
        );
        assert!(parse_page("limit=1001", true).is_err());
        assert!(parse_page("limit=0", true).is_err());
        assert!(parse_page("limit=x", true).is_err());
        assert!(parse_page("offset=-1", true).is_err());
        assert!(parse_page("limit=10&offset=15", true).is_err());
        assert!(parse_page("limit=10&offset=15", false).is_ok());
    }
}
