//! Fills the NetSuite simulator from the shared seed plan: a customer for every Salesforce
//! account that has a NetSuite id (same internal id, the account's Salesforce id as
//! `externalId`), a contact for every Salesforce contact that has one, and a few contacts that
//! exist only in NetSuite (billing contacts, and one without a company).

use chrono::Utc;

use super::patch::RecordPatch;
use super::schema::RecordType;
use super::state::NetsuiteState;
use crate::seed::SeedPlan;

impl NetsuiteState {
    /// Adds the plan's NetSuite records; a record whose id is already taken is skipped.
    pub fn seed(&self, plan: &SeedPlan) {
        let now = Utc::now();
        let mut store = self.store();
        for account in &plan.accounts {
            let Some(id) = account.netsuite_id else {
                continue;
            };
            let patch = RecordPatch::default()
                .text("externalId", account.salesforce_id.clone())
                .text("companyName", account.name.clone())
                .text("phone", account.phone.clone())
                .text("url", account.website.clone());
            if let Err(e) = store.create_with_id(RecordType::Customer, id, &patch, now) {
                tracing::warn!(error = %e, id, "seed customer skipped");
            }
        }
        for contact in &plan.contacts {
            let Some(id) = contact.netsuite_id else {
                continue;
            };
            let mut patch = RecordPatch::default()
                .text("externalId", contact.salesforce_id.clone())
                .text("firstName", contact.first_name.clone())
                .text("lastName", contact.last_name.clone())
                .text("email", contact.email.clone())
                .text("phone", contact.phone.clone())
                .text("title", contact.title.clone());
            if let Some(company) = contact
                .account
                .and_then(|index| plan.accounts.get(index))
                .and_then(|account| account.netsuite_id)
            {
                patch = patch.reference("company", company);
            }
            if let Err(e) = store.create_with_id(RecordType::Contact, id, &patch, now) {
                tracing::warn!(error = %e, id, "seed contact skipped");
            }
        }
        // Contacts that were entered in NetSuite and never came from Salesforce.
        let customers: Vec<(u64, String)> = plan
            .accounts
            .iter()
            .filter_map(|a| a.netsuite_id.map(|id| (id, a.name.clone())))
            .take(3)
            .collect();
        for (id, name) in customers {
            let domain: String = name
                .split_whitespace()
                .next()
                .unwrap_or("billing")
                .to_lowercase();
            let patch = RecordPatch::default()
                .text("firstName", "Accounts")
                .text("lastName", "Payable")
                .text("email", format!("ap@{domain}.example.com"))
                .text("title", "Billing contact")
                .reference("company", id);
            if let Err(e) = store.create(RecordType::Contact, &patch, now) {
                tracing::warn!(error = %e, "seed billing contact skipped");
            }
        }
        let standalone = RecordPatch::default()
            .text("firstName", "Walk-in")
            .text("lastName", format!("Visitor {}", plan.seed))
            .text("email", "visitor@example.com");
        if let Err(e) = store.create(RecordType::Contact, &standalone, now) {
            tracing::warn!(error = %e, "seed standalone contact skipped");
        }
    }
}
