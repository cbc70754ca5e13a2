//! What both error lists — a tenant's dashboard and support's view across tenants — show
//! above their rows: the Open / Resolved tabs with their counts, the switch between each
//! error and errors grouped by cause, and the filter carried along in links and forms.
//! The rows themselves are labelled differently (flow names vs tenant and flow), so each
//! page lists them itself.

use ferry_domain::dashboard::errors::{self, Count, ErrorScope};
use ferry_domain::dashboard::filter::{Cursor, ErrorFilter, ErrorStatus};
use sea_orm::ConnectionTrait;

use crate::error::PageError;
use crate::pages::dash_views::{next_url, query_string};

pub struct ErrorListHead {
    /// The page's path (`…/errors`), for its own links.
    path: String,
    pub grouped: bool,
    pub open_tab: String,
    pub resolved_tab: String,
    pub list_url: String,
    pub groups_url: String,
    pub open_count: Count,
    pub resolved_count: Count,
    /// The errors of the current tab that match the filter.
    pub matching: Count,
    pub narrowed: bool,
    /// The filter, as hidden fields of the bulk forms.
    pub pairs: Vec<(&'static str, String)>,
}

impl ErrorListHead {
    pub async fn load(
        db: &impl ConnectionTrait,
        scope: &ErrorScope,
        filter: &ErrorFilter,
        grouped: bool,
        path: String,
    ) -> Result<Self, PageError> {
        let with_status = |status: ErrorStatus| ErrorFilter {
            status,
            ..filter.clone()
        };
        let open_count = errors::count_errors(db, scope, &with_status(ErrorStatus::Open)).await?;
        let resolved_count =
            errors::count_errors(db, scope, &with_status(ErrorStatus::Resolved)).await?;
        let matching = match filter.status {
            ErrorStatus::Open => open_count,
            ErrorStatus::Resolved => resolved_count,
        };
        // The tabs keep the view (each / grouped); the view links keep the tab.
        let tab_url = |status: ErrorStatus| {
            let mut pairs = with_status(status).to_pairs();
            if grouped {
                pairs.push(("view", "groups".to_owned()));
            }
            format!("{path}{}", query_string(&pairs))
        };
        let pairs = filter.to_pairs();
        let mut group_pairs = pairs.clone();
        group_pairs.push(("view", "groups".to_owned()));
        Ok(ErrorListHead {
            open_tab: tab_url(ErrorStatus::Open),
            resolved_tab: tab_url(ErrorStatus::Resolved),
            list_url: format!("{path}{}", query_string(&pairs)),
            groups_url: format!("{path}{}", query_string(&group_pairs)),
            narrowed: filter.is_narrowed(),
            grouped,
            open_count,
            resolved_count,
            matching,
            pairs,
            path,
        })
    }

    /// The link to the page of rows after `next`, keeping the filter.
    pub fn next_url(&self, next: Option<Cursor>) -> Option<String> {
        next_url(&self.path, self.pairs.clone(), next.map(|c| c.encode()))
    }
}
