//! SOQL queries with full paging (PROTOCOLS A4): the first page from `/query?q=`, the next ones
//! from `nextRecordsUrl` until `done`.

use futures_util::stream::{self, Stream, TryStreamExt};
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::client::{Call, SalesforceClient};
use crate::error::{ConnectorError, System};
use crate::http;
use crate::metrics::Endpoint;

/// One batch of query results.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryPage<T> {
    pub total_size: u64,
    pub done: bool,
    /// Path (from the instance root) of the next batch while `done` is false.
    pub next_records_url: Option<String>,
    pub records: Vec<T>,
}

/// How to run a query.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryOptions {
    /// Use `/queryAll`, which also returns deleted and archived rows (`IsDeleted = true`).
    pub include_deleted: bool,
    /// Asks for batches of this size (`Sforce-Query-Options: batchSize=N`); Salesforce may
    /// return fewer.
    pub batch_size: Option<u32>,
}

enum Cursor {
    Start(String),
    Next(String),
    Done,
}

impl SalesforceClient {
    /// The first page of `soql`. Build any value into the query with
    /// [`crate::escape::soql_string`].
    pub async fn query_page<T: DeserializeOwned>(
        &self,
        soql: &str,
        options: QueryOptions,
    ) -> Result<QueryPage<T>, ConnectorError> {
        let resource = if options.include_deleted {
            "queryAll"
        } else {
            "query"
        };
        let mut call =
            Call::new(Endpoint::Soql, Method::GET, self.data_path(resource)).query("q", soql);
        if let Some(size) = options.batch_size {
            call = call.header("Sforce-Query-Options", format!("batchSize={size}"));
        }
        let answer = self.send(&call).await?;
        http::decode(System::Salesforce, &answer.body)
    }

    /// The page at a `nextRecordsUrl`; Salesforce wants no other parameters.
    pub async fn query_more<T: DeserializeOwned>(
        &self,
        next_records_url: &str,
    ) -> Result<QueryPage<T>, ConnectorError> {
        if !next_records_url.starts_with("/services/data/") {
            return Err(ConnectorError::config(
                System::Salesforce,
                format!("{next_records_url:?} is not a query locator path"),
            ));
        }
        let answer = self
            .send(&Call::new(
                Endpoint::Soql,
                Method::GET,
                next_records_url.to_string(),
            ))
            .await?;
        http::decode(System::Salesforce, &answer.body)
    }

    /// Every record of `soql`, page after page; a page is fetched only when the previous one
    /// has been consumed.
    pub fn query<T: DeserializeOwned + Send + 'static>(
        &self,
        soql: &str,
        options: QueryOptions,
    ) -> impl Stream<Item = Result<T, ConnectorError>> + Send + 'static {
        let client = self.clone();
        stream::try_unfold(Cursor::Start(soql.to_string()), move |cursor| {
            let client = client.clone();
            async move {
                let page: QueryPage<T> = match cursor {
                    Cursor::Start(soql) => client.query_page(&soql, options).await?,
                    Cursor::Next(url) => client.query_more(&url).await?,
                    Cursor::Done => return Ok(None),
                };
                let next = match (page.done, page.next_records_url) {
                    (false, Some(url)) => Cursor::Next(url),
                    _ => Cursor::Done,
                };
                let records = stream::iter(page.records.into_iter().map(Ok));
                Ok(Some((records, next)))
            }
        })
        .try_flatten()
    }
}
