//! Open query cursors: the rest of a result waiting behind a `nextRecordsUrl`.
//! Results are snapshots, as in Salesforce: later writes do not change pages not yet read.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use crate::salesforce::ids;

#[derive(Debug, Clone)]
struct Cursor {
    records: Vec<Value>,
    batch: usize,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub total: usize,
    pub records: Vec<Value>,
    /// `<locatorId>-<offset>` of the next page, when there is one.
    pub next: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Cursors {
    open: HashMap<String, Cursor>,
    order: VecDeque<String>,
    serial: u64,
}

impl Cursors {
    /// First page of a fresh result; keeps a cursor when more pages follow.
    pub fn first_page(&mut self, records: Vec<Value>, batch: usize, capacity: usize) -> Page {
        let total = records.len();
        if total <= batch {
            return Page {
                total,
                records,
                next: None,
            };
        }
        self.serial += 1;
        let locator = ids::record_id(ids::QUERY_LOCATOR_PREFIX, self.serial);
        let first = records[..batch].to_vec();
        self.open.insert(locator.clone(), Cursor { records, batch });
        self.order.push_back(locator.clone());
        while self.order.len() > capacity.max(1) {
            if let Some(oldest) = self.order.pop_front() {
                self.open.remove(&oldest);
            }
        }
        Page {
            total,
            records: first,
            next: Some(format!("{locator}-{batch}")),
        }
    }

    /// The page a `nextRecordsUrl` locator names; `None` for an unknown or exhausted locator.
    pub fn page(&mut self, locator: &str) -> Option<Page> {
        let (id, offset) = locator.rsplit_once('-')?;
        let offset: usize = offset.parse().ok()?;
        let cursor = self.open.get(id)?;
        if offset == 0 || offset >= cursor.records.len() {
            return None;
        }
        let end = (offset + cursor.batch).min(cursor.records.len());
        let page = Page {
            total: cursor.records.len(),
            records: cursor.records[offset..end].to_vec(),
            next: (end < cursor.records.len()).then(|| format!("{id}-{end}")),
        };
        if page.next.is_none() {
            self.open.remove(id);
            self.order.retain(|l| l != id);
        }
        Some(page)
    }
}
