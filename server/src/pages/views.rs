//! Small display helpers shared by several pages.

use chrono::{DateTime, Utc};

use ferry_domain::integrations::{ConnectionState, IntegrationTile};

/// A date-time as pages show it (UTC, to the minute).
/// Where people reach this Ferry: the configured public URL, else what the request says.
pub(crate) fn public_base(req: &actix_web::HttpRequest, state: &crate::state::AppState) -> String {
    let base = state.settings.public_url.clone().unwrap_or_else(|| {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    });
    base.trim_end_matches('/').to_owned()
}

pub(crate) fn when(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub(crate) fn when_opt(at: &Option<DateTime<Utc>>) -> String {
    at.as_ref().map(when).unwrap_or_else(|| "never".to_owned())
}

/// One connection's state as a badge.
#[derive(Clone, Debug)]
pub struct ConnectionBadge {
    pub system: &'static str,
    pub label: &'static str,
    pub css: &'static str,
    pub detail: String,
}

impl ConnectionBadge {
    pub fn new(system: &'static str, state: &ConnectionState) -> Self {
        let (label, css, detail) = match state {
            ConnectionState::NotConnected => (
                "Not connected",
                "badge-muted",
                "No credentials entered yet.".to_owned(),
            ),
            ConnectionState::Untested => (
                "Not tested",
                "badge-warn",
                "Saved but not tested yet.".to_owned(),
            ),
            ConnectionState::Ok { checked_at } => (
                "Connected",
                "badge-ok",
                format!("Last checked {}", when(checked_at)),
            ),
            ConnectionState::Broken { error } => ("Broken", "badge-error", error.clone()),
        };
        Self {
            system,
            label,
            css,
            detail,
        }
    }
}

/// An integration tile as the home page shows it.
#[derive(Clone, Debug)]
pub struct TileView {
    pub id: String,
    pub name: String,
    pub environment: String,
    pub connections: Vec<ConnectionBadge>,
    pub flows_on: usize,
    pub flows_total: usize,
    pub last_sync: Option<String>,
    pub open_errors: u64,
}

impl TileView {
    pub fn with_status(mut self, status: ferry_domain::dashboard::overview::TileStatus) -> Self {
        self.last_sync = status.last_run_at.as_ref().map(when);
        self.open_errors = status.open_errors.n;
        self
    }
}

impl From<&IntegrationTile> for TileView {
    fn from(t: &IntegrationTile) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name.clone(),
            environment: t.environment.clone(),
            connections: vec![
                ConnectionBadge::new("Salesforce", &t.salesforce),
                ConnectionBadge::new("NetSuite", &t.netsuite),
            ],
            flows_on: t.flows_on,
            flows_total: t.flows_total,
            last_sync: None,
            open_errors: 0,
        }
    }
}
