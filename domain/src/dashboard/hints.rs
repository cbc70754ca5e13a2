//! Plain-language hints for the errors people meet most: what the remote code means and what
//! to do about it. The remote code and message are always shown in full beside the hint.

/// A hint for an error of `kind` with the remote `code`, if there is one worth giving.
pub fn hint(kind: &str, code: Option<&str>) -> Option<&'static str> {
    let by_code = code.and_then(|c| match c {
        // NetSuite
        "USER_ERROR" => Some(
            "NetSuite refused the record's data, usually a required field that is empty or a value it does not accept. Fix the Salesforce record (or the field mapping), then retry.",
        ),
        "INVALID_CONTENT" => Some(
            "NetSuite could not read one of the values sent (wrong format or a reference to something that does not exist). The message names the field; check its mapping.",
        ),
        "NONEXISTENT_ID" | "RCRD_DSNT_EXIST" => Some(
            "The NetSuite record Ferry wanted to update no longer exists (it was deleted or merged). Clear the NetSuite ID on the Salesforce record and retry to create it again.",
        ),
        "INSUFFICIENT_PERMISSION" => Some(
            "The NetSuite role behind the connection may not do this. Give the integration role the permission named in the message, then retry.",
        ),
        "INVALID_LOGIN" => Some(
            "NetSuite refused the connection's credentials. Open the NetSuite connection, check them and press Test connection.",
        ),
        "CONCURRENCY_LIMIT_EXCEEDED" | "SSS_REQUEST_LIMIT_EXCEEDED" | "WS_REQUEST_BLOCKED" => Some(
            "NetSuite was busy with too many requests at once. Ferry already retried with pauses; retry again later or lower the connection's concurrency limit.",
        ),
        "RCRD_HAS_BEEN_CHANGED" => Some(
            "Someone changed the NetSuite record at the same moment. Retrying usually works.",
        ),
        "UNIQUE_CUST_ID_REQD" | "DUP_RCRD" | "DUP_ENTITY" => Some(
            "NetSuite already has a record with the same name or id. Link the existing record (set its NetSuite ID on the Salesforce record) or make the name unique.",
        ),
        // Salesforce
        "REQUEST_LIMIT_EXCEEDED" => Some(
            "The Salesforce org used up its API calls for today. Syncing resumes when the limit resets; retry then.",
        ),
        "INVALID_SESSION_ID" => Some(
            "Salesforce ended the connection's session and a new one could not be made. Test the Salesforce connection.",
        ),
        "ENTITY_IS_DELETED" | "NOT_FOUND" => Some(
            "The Salesforce record was deleted. Nothing to sync: resolve the error.",
        ),
        "INVALID_FIELD" | "INVALID_TYPE" => Some(
            "A field or object in the flow does not exist in this Salesforce org (or the connection's user cannot see it). Check the field mapping and the user's field-level security.",
        ),
        "FIELD_CUSTOM_VALIDATION_EXCEPTION" => Some(
            "A validation rule in Salesforce refused Ferry's write-back of the NetSuite ID. Adjust the rule to allow the integration user.",
        ),
        "REQUIRED_FIELD_MISSING" => Some(
            "Salesforce requires a field that is empty. Fill it in on the record, then retry.",
        ),
        "INSUFFICIENT_ACCESS_OR_READONLY" | "INSUFFICIENT_ACCESS" => Some(
            "The Salesforce user behind the connection may not edit this record. Share it with the integration user or widen its profile.",
        ),
        "UNABLE_TO_LOCK_ROW" => Some(
            "Salesforce was updating the record at the same moment. Retrying usually works.",
        ),
        "STRING_TOO_LONG" => Some(
            "A value is longer than the target field allows. Shorten it in Salesforce or add a transform to the mapping.",
        ),
        _ => None,
    });
    by_code.or(match kind {
        "dependency" => Some(
            "The record's parent (for a contact, its account) is not in NetSuite yet. Sync the parent first: the record follows by itself once the parent syncs.",
        ),
        "ambiguous" => Some(
            "The lookup found several NetSuite records that could be this one, and Ferry never guesses. Remove the duplicates in NetSuite or make the lookup criteria stricter, then retry.",
        ),
        "config" => Some(
            "Something in the setup is wrong (a connection, a field, a permission). Check the connections and the flow's settings, then retry.",
        ),
        "auth" => Some(
            "A connection's credentials were refused. Open the connection, fix the credentials and press Test connection, then retry.",
        ),
        "validation" => Some(
            "The target system refused the data. Read the message for the field, fix the record or the mapping, then retry.",
        ),
        "not_found" => Some(
            "A record Ferry expected is gone. If it was deleted on purpose, resolve the error.",
        ),
        "transient" | "rate_limited" => Some(
            "A temporary problem that did not pass after several automatic retries. Retry later.",
        ),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::hint;

    #[test]
    fn common_codes_and_every_kind_have_a_hint() {
        assert!(
            hint("validation", Some("USER_ERROR"))
                .unwrap()
                .contains("required")
        );
        assert!(hint("dependency", None).unwrap().contains("parent"));
        for kind in crate::dashboard::filter::KINDS {
            assert!(hint(kind, None).is_some(), "{kind}");
        }
        assert_eq!(hint("cosmic", Some("NOPE")), None);
    }
}
