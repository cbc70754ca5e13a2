//! Record API calls (PROTOCOLS B3): one record per request; create answers 204 with the new
//! internal id only in `Location`.

use reqwest::Method;
use reqwest::header::{HeaderMap, LOCATION};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::client::{Call, NetsuiteClient};
use crate::error::{ConnectorError, System};
use crate::http::{self, segment};
use crate::metrics::Endpoint;

/// The internal id: the last path segment of `Location`.
fn id_from_location(headers: &HeaderMap) -> Option<String> {
    let location = headers.get(LOCATION)?.to_str().ok()?;
    let path = location.split(['?', '#']).next()?;
    let id = path.trim_end_matches('/').rsplit('/').next()?;
    (!id.is_empty()).then(|| id.to_string())
}

fn record_path(record_type: &str, id: &str) -> String {
    format!("record/v1/{}/{}", segment(record_type), segment(id))
}

fn external_path(record_type: &str, external_id: &str) -> String {
    format!(
        "record/v1/{}/eid:{}",
        segment(record_type),
        segment(external_id)
    )
}

impl NetsuiteClient {
    /// Creates a record and returns its internal id.
    pub async fn create_record(
        &self,
        record_type: &str,
        body: &Value,
    ) -> Result<String, ConnectorError> {
        let call = Call::new(
            Endpoint::Record,
            Method::POST,
            format!("record/v1/{}", segment(record_type)),
        )
        .body(body);
        let answer = self.send(&call).await?;
        id_from_location(&answer.headers).ok_or_else(|| {
            ConnectorError::config(
                System::Netsuite,
                "NetSuite created the record but sent no Location",
            )
        })
    }

    /// Reads a record by internal id; `fields` limits the answer.
    pub async fn get_record<T: DeserializeOwned>(
        &self,
        record_type: &str,
        id: &str,
        fields: Option<&[&str]>,
    ) -> Result<T, ConnectorError> {
        self.get_at(record_path(record_type, id), fields).await
    }

    /// Reads a record by external id.
    pub async fn get_record_by_external_id<T: DeserializeOwned>(
        &self,
        record_type: &str,
        external_id: &str,
        fields: Option<&[&str]>,
    ) -> Result<T, ConnectorError> {
        self.get_at(external_path(record_type, external_id), fields)
            .await
    }

    async fn get_at<T: DeserializeOwned>(
        &self,
        path: String,
        fields: Option<&[&str]>,
    ) -> Result<T, ConnectorError> {
        let mut call = Call::new(Endpoint::Record, Method::GET, path);
        if let Some(fields) = fields {
            call = call.query("fields", fields.join(","));
        }
        let answer = self.send(&call).await?;
        http::decode(System::Netsuite, &answer.body)
    }

    /// Changes the given fields of a record; omitted fields stay, `null` clears.
    pub async fn patch_record(
        &self,
        record_type: &str,
        id: &str,
        body: &Value,
    ) -> Result<(), ConnectorError> {
        let call = Call::new(
            Endpoint::Record,
            Method::PATCH,
            record_path(record_type, id),
        )
        .body(body);
        self.send(&call).await.map(|_| ())
    }

    /// Creates or updates the record with this external id (`PUT …/eid:<id>`); returns the
    /// internal id when NetSuite names it in `Location`.
    pub async fn upsert_record(
        &self,
        record_type: &str,
        external_id: &str,
        body: &Value,
    ) -> Result<Option<String>, ConnectorError> {
        let call = Call::new(
            Endpoint::Record,
            Method::PUT,
            external_path(record_type, external_id),
        )
        .body(body);
        let answer = self.send(&call).await?;
        Ok(id_from_location(&answer.headers))
    }

    /// Deletes a record.
    pub async fn delete_record(&self, record_type: &str, id: &str) -> Result<(), ConnectorError> {
        self.send(&Call::new(
            Endpoint::Record,
            Method::DELETE,
            record_path(record_type, id),
        ))
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn the_internal_id_is_the_last_segment_of_location() {
        let mut headers = HeaderMap::new();
        headers.insert(
            LOCATION,
            HeaderValue::from_static(
                "https://1234567.suitetalk.api.netsuite.com/services/rest/record/v1/contact/5231",
            ),
        );
        assert_eq!(id_from_location(&headers).as_deref(), Some("5231"));
        assert_eq!(id_from_location(&HeaderMap::new()), None);
    }

    #[test]
    fn external_ids_stay_one_path_segment() {
        assert_eq!(
            external_path("contact", "a/b c"),
            "record/v1/contact/eid:a%2Fb%20c"
        );
    }
}
