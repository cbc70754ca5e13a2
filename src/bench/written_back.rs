//! Which of the bench's contacts have their NetSuite id written back to Salesforce, and when
//! the bench first saw each. Polled through the admin API by `SystemModstamp` cursor, so each
//! poll carries only the contacts written since the last one, however large the run.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::sandbox_client::SandboxClient;

pub struct WrittenBack {
    /// The newest `SystemModstamp` seen: earlier write-backs have been counted.
    cursor: Option<DateTime<Utc>>,
    /// Contact id → when the bench first saw its NetSuite id: every contact written back
    /// since the start, since the poller runs before it knows all of the run's ids.
    seen: HashMap<String, Instant>,
}

impl WrittenBack {
    /// Starts after every contact already written back (an external sandbox may hold earlier
    /// runs' contacts), so later polls carry only this run's.
    pub async fn start(client: &SandboxClient) -> anyhow::Result<Self> {
        let now = client.filled_ids("Contact", "NetSuite_Id__c", None).await?;
        Ok(Self {
            cursor: now.latest_modstamp,
            seen: HashMap::new(),
        })
    }

    /// Notes the contacts written back since the last poll.
    pub async fn poll(&mut self, client: &SandboxClient) -> anyhow::Result<()> {
        let filled = client
            .filled_ids("Contact", "NetSuite_Id__c", self.cursor)
            .await?;
        let now = Instant::now();
        for id in filled.ids {
            self.seen.entry(id).or_insert(now);
        }
        self.cursor = filled.latest_modstamp;
        Ok(())
    }

    /// How many of `created` have been seen written back.
    pub fn count_among(&self, created: &HashMap<String, Instant>) -> usize {
        if self.seen.len() <= created.len() {
            self.seen
                .keys()
                .filter(|id| created.contains_key(*id))
                .count()
        } else {
            created
                .keys()
                .filter(|id| self.seen.contains_key(*id))
                .count()
        }
    }

    /// When each of `created` was seen written back (those that were).
    pub fn among(&self, created: &HashMap<String, Instant>) -> HashMap<String, Instant> {
        created
            .keys()
            .filter_map(|id| Some((id.clone(), *self.seen.get(id)?)))
            .collect()
    }
}
