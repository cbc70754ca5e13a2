//! What the run and outcome lists filter on alike: the tenant's flows of one integration (or
//! one of them) and a window of time, read newest first from a cursor. The error filter reads
//! its dates with the same [`parse_window`].

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};

use super::filter::{Cursor, parse_instant};
use super::overview::IntegrationFlows;
use crate::error::FieldErrors;
use crate::ids::FlowId;
use crate::tenancy::Tenant;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowWindow {
    pub flow: Option<FlowId>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The columns a list's rows are filtered and ordered by.
pub struct Columns<C> {
    pub tenant: C,
    pub flow: C,
    pub at: C,
    pub id: C,
}

impl FlowWindow {
    /// The `flow`, `from` and `to` fields; what is wrong goes into `errors` by field.
    pub fn parse(flow: &str, from: &str, to: &str, errors: &mut FieldErrors) -> Self {
        let flow = match flow.trim() {
            "" => None,
            s => s
                .parse()
                .map_err(|_| errors.push("flow", "Not a valid id."))
                .ok(),
        };
        let (since, until) = parse_window(from, to, errors);
        FlowWindow { flow, since, until }
    }

    /// Rows of the tenant's flows in `integration` (or the one flow) within the window, after
    /// `cursor` in newest-first order.
    pub fn condition<C: ColumnTrait>(
        &self,
        tenant: &Tenant,
        integration: &IntegrationFlows,
        cols: Columns<C>,
        cursor: Option<Cursor>,
    ) -> Condition {
        let mut c = Condition::all()
            .add(cols.tenant.eq(tenant.id().0))
            .add(cols.flow.is_in(integration.flows.iter().map(|f| f.id.0)));
        if let Some(f) = self.flow {
            c = c.add(cols.flow.eq(f.0));
        }
        if let Some(s) = self.since {
            c = c.add(cols.at.gte(s));
        }
        if let Some(u) = self.until {
            c = c.add(cols.at.lt(u));
        }
        if let Some(cur) = cursor {
            c = c.add(cols.at.lte(cur.at)).add(
                Condition::any()
                    .add(cols.at.lt(cur.at))
                    .add(cols.id.lt(cur.id)),
            );
        }
        c
    }

    /// The `flow` pair, for links.
    pub fn flow_pair(&self) -> Option<(&'static str, String)> {
        self.flow.map(|f| ("flow", f.to_string()))
    }

    /// The `from` and `to` pairs, for links.
    pub fn date_pairs(&self) -> impl Iterator<Item = (&'static str, String)> {
        date_pairs(self.since, self.until)
    }
}

/// A `from` and a `to` date (`YYYY-MM-DD` or RFC 3339): from the start of the first day to
/// the end of the last. An end before the start is refused rather than matching nothing.
pub fn parse_window(
    from: &str,
    to: &str,
    errors: &mut FieldErrors,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let mut date = |field: &'static str, s: &str, end: bool| match s.trim() {
        "" => None,
        s => {
            let parsed = parse_instant(s, end);
            if parsed.is_none() {
                errors.push(field, "Enter a date as YYYY-MM-DD.");
            }
            parsed
        }
    };
    let since = date("from", from, false);
    let until = date("to", to, true);
    if let (Some(a), Some(b)) = (since, until)
        && a >= b
    {
        errors.push("to", "The end date comes before the start date.");
    }
    (since, until)
}

/// The `from` and `to` pairs of a window, for links.
pub fn date_pairs(
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> impl Iterator<Item = (&'static str, String)> {
    let since = since.map(|s| ("from", s.to_rfc3339()));
    let until = until.map(|u| ("to", u.to_rfc3339()));
    since.into_iter().chain(until)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_reads_whole_days_and_refuses_an_end_before_its_start() {
        let mut errors = FieldErrors::default();
        let (since, until) = parse_window("2026-03-01", "2026-03-01", &mut errors);
        assert!(errors.is_empty());
        assert_eq!(
            until.zip(since).map(|(u, s)| u - s),
            Some(chrono::Duration::days(1))
        );

        let mut errors = FieldErrors::default();
        parse_window("2026-03-02", "2026-03-01", &mut errors);
        assert!(errors.get("to").is_some());

        let mut errors = FieldErrors::default();
        let w = FlowWindow::parse("not-a-uuid", "yesterday", "", &mut errors);
        assert_eq!(w, FlowWindow::default());
        assert!(errors.get("flow").is_some() && errors.get("from").is_some());
    }
}
