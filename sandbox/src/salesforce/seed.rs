//! Loads the shared seed plan into the org: accounts (some with NetSuite ids) and contacts
//! (some standalone), under the ids the plan fixed so the NetSuite side can refer to them.

use serde_json::Value;

use crate::seed::SeedPlan;

use super::Org;
use super::schema::{NETSUITE_ID, ObjectKind};
use super::values::Changes;

pub fn apply(org: &mut Org, plan: &SeedPlan) {
    let user = org.page_user();
    for account in &plan.accounts {
        let changes = changes(
            ObjectKind::Account,
            &[
                ("Name", Some(account.name.as_str())),
                ("Phone", Some(account.phone.as_str())),
                ("Website", Some(account.website.as_str())),
                ("Industry", Some(account.industry.as_str())),
                ("BillingCity", Some(account.billing_city.as_str())),
                ("BillingCountry", Some(account.billing_country.as_str())),
                ("Type", Some("Customer - Direct")),
                (
                    NETSUITE_ID,
                    account.netsuite_id.map(|id| id.to_string()).as_deref(),
                ),
            ],
        );
        if let Err(e) = org.data.insert(
            ObjectKind::Account,
            changes,
            &user,
            Some(account.salesforce_id.clone()),
        ) {
            tracing::warn!(error = %e, "seed account refused");
        }
    }
    for contact in &plan.contacts {
        let account_id = contact
            .account
            .and_then(|i| plan.accounts.get(i))
            .map(|a| a.salesforce_id.as_str());
        let changes = changes(
            ObjectKind::Contact,
            &[
                ("FirstName", Some(contact.first_name.as_str())),
                ("LastName", Some(contact.last_name.as_str())),
                ("Email", Some(contact.email.as_str())),
                ("Phone", Some(contact.phone.as_str())),
                ("Title", Some(contact.title.as_str())),
                ("AccountId", account_id),
                (
                    NETSUITE_ID,
                    contact.netsuite_id.map(|id| id.to_string()).as_deref(),
                ),
            ],
        );
        if let Err(e) = org.data.insert(
            ObjectKind::Contact,
            changes,
            &user,
            Some(contact.salesforce_id.clone()),
        ) {
            tracing::warn!(error = %e, "seed contact refused");
        }
    }
}

fn changes(object: ObjectKind, pairs: &[(&str, Option<&str>)]) -> Changes {
    pairs
        .iter()
        .filter_map(|(name, value)| {
            let field = object.field(name)?;
            Some((field, Value::String((*value)?.to_owned())))
        })
        .collect()
}
