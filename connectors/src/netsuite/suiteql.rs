//! SuiteQL (PROTOCOLS B5): `POST query/v1/suiteql?limit=&offset=` with `Prefer: transient`,
//! paged by offset until `hasMore` is false. Column keys come back lowercase and values as
//! strings; null columns may be missing.

use futures_util::stream::{self, Stream, TryStreamExt};
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::client::{Call, NetsuiteClient};
use crate::error::{ConnectorError, System};
use crate::http;
use crate::metrics::Endpoint;

/// Largest page NetSuite serves.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// One page of rows.
#[derive(Debug, Clone)]
pub struct SuiteqlPage<T> {
    pub items: Vec<T>,
    pub has_more: bool,
    pub offset: u64,
    pub total_results: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPage {
    #[serde(default)]
    items: Vec<Map<String, Value>>,
    #[serde(default)]
    has_more: bool,
    #[serde(default)]
    offset: u64,
    total_results: Option<u64>,
}

impl NetsuiteClient {
    /// One page of `query`. `limit` is 1–1000 and `offset` a multiple of it. Build any value
    /// into the query with [`crate::escape::suiteql_string`], and order by a unique key so
    /// pages neither skip nor repeat rows.
    pub async fn suiteql_page<T: DeserializeOwned>(
        &self,
        query: &str,
        limit: u32,
        offset: u64,
    ) -> Result<SuiteqlPage<T>, ConnectorError> {
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(ConnectorError::config(
                System::Netsuite,
                format!("SuiteQL page size {limit} is outside 1–{MAX_PAGE_SIZE}"),
            ));
        }
        let body = json!({ "q": query });
        let call = Call::new(
            Endpoint::Suiteql,
            Method::POST,
            "query/v1/suiteql".to_string(),
        )
        .query("limit", limit.to_string())
        .query("offset", offset.to_string())
        .header("Prefer", "transient")
        .body(&body);
        let answer = self.send(&call).await?;
        let raw: RawPage = http::decode(System::Netsuite, &answer.body)?;
        let items = raw
            .items
            .into_iter()
            .map(|mut item| {
                item.remove("links");
                serde_json::from_value(Value::Object(item)).map_err(|e| {
                    ConnectorError::config(
                        System::Netsuite,
                        format!("a SuiteQL row does not fit: {e}"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(SuiteqlPage {
            items,
            has_more: raw.has_more,
            offset: raw.offset,
            total_results: raw.total_results,
        })
    }

    /// Every row of `query`, `page_size` at a time.
    pub fn suiteql<T: DeserializeOwned + Send + 'static>(
        &self,
        query: &str,
        page_size: u32,
    ) -> impl Stream<Item = Result<T, ConnectorError>> + Send + 'static {
        let client = self.clone();
        let query = query.to_string();
        stream::try_unfold(Some(0u64), move |offset| {
            let (client, query) = (client.clone(), query.clone());
            async move {
                let Some(offset) = offset else {
                    return Ok(None);
                };
                let page: SuiteqlPage<T> = client.suiteql_page(&query, page_size, offset).await?;
                let next = (page.has_more && !page.items.is_empty())
                    .then(|| offset + u64::from(page_size));
                Ok(Some((stream::iter(page.items.into_iter().map(Ok)), next)))
            }
        })
        .try_flatten()
    }
}
