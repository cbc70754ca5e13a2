//! Deterministic demo data shared by both simulators.
//!
//! One plan drives both sides so they agree: every account that has a NetSuite id has a NetSuite
//! customer with that internal id (and the account's Salesforce id as its `externalId`), and
//! every contact that has a NetSuite id has a NetSuite contact under that customer.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::salesforce::ids;

/// The whole data set for one seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedPlan {
    pub seed: u64,
    pub accounts: Vec<SeedAccount>,
    pub contacts: Vec<SeedContact>,
}

/// A company: a Salesforce Account, and a NetSuite customer when `netsuite_id` is set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedAccount {
    /// The Account's 18-character Salesforce id.
    pub salesforce_id: String,
    pub name: String,
    pub phone: String,
    pub website: String,
    pub industry: String,
    pub billing_city: String,
    pub billing_country: String,
    /// NetSuite internal id of the matching customer (already synced).
    pub netsuite_id: Option<u64>,
}

/// A person: a Salesforce Contact, and a NetSuite contact when `netsuite_id` is set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedContact {
    /// The Contact's 18-character Salesforce id.
    pub salesforce_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
    /// Index into `SeedPlan::accounts`; `None` for a standalone contact.
    pub account: Option<usize>,
    /// NetSuite internal id of the matching contact (already synced).
    pub netsuite_id: Option<u64>,
}

const COMPANY_STEMS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Aperture",
    "Monarch",
];
const COMPANY_SUFFIXES: &[&str] = &["Corp", "Ltd", "Industries", "GmbH", "Labs", "Trading"];
const INDUSTRIES: &[&str] = &["Manufacturing", "Technology", "Retail", "Energy", "Finance"];
const CITIES: &[(&str, &str)] = &[
    ("Berlin", "Germany"),
    ("Lyon", "France"),
    ("Austin", "United States"),
    ("Leeds", "United Kingdom"),
    ("Porto", "Portugal"),
    ("Osaka", "Japan"),
];
const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Margaret",
    "Linus",
    "Frances",
    "Ken",
    "Radia",
    "Dennis",
    "Katherine",
    "John",
    "Hedy",
    "Tim",
];
const LAST_NAMES: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Hamilton",
    "Torvalds",
    "Allen",
    "Thompson",
    "Perlman",
    "Ritchie",
    "Johnson",
    "Backus",
    "Lamarr",
    "Berners-Lee",
];
const TITLES: &[&str] = &[
    "Buyer",
    "CFO",
    "Office Manager",
    "Engineer",
    "Head of Sales",
];

/// First NetSuite internal ids used by the plan; far from 1 so they are easy to tell apart.
const FIRST_CUSTOMER_ID: u64 = 1001;
const FIRST_CONTACT_ID: u64 = 5001;

impl SeedPlan {
    /// Builds the data set for `seed`: 12 accounts, 8 of them synced to NetSuite, and 36
    /// contacts, of which 4 are standalone and those of synced accounts are partly synced.
    pub fn generate(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut accounts = Vec::new();
        let mut next_customer = FIRST_CUSTOMER_ID;
        for index in 0..12 {
            let stem = COMPANY_STEMS
                [(index + rng.random_range(0..COMPANY_STEMS.len())) % COMPANY_STEMS.len()];
            let suffix = pick(&mut rng, COMPANY_SUFFIXES);
            let (city, country) = *CITIES.choose(&mut rng).unwrap_or(&("Berlin", "Germany"));
            let synced = index < 8;
            let netsuite_id = synced.then(|| {
                let id = next_customer;
                next_customer += 1;
                id
            });
            let domain = stem.to_lowercase();
            accounts.push(SeedAccount {
                salesforce_id: ids::record_id(ids::ACCOUNT_PREFIX, index as u64 + 1),
                name: format!("{stem} {suffix} {}", index + 1),
                phone: format!("+1 555 01{:02}", rng.random_range(0..100)),
                website: format!("https://{domain}{}.example.com", index + 1),
                industry: pick(&mut rng, INDUSTRIES).to_owned(),
                billing_city: city.to_owned(),
                billing_country: country.to_owned(),
                netsuite_id,
            });
        }
        let mut contacts = Vec::new();
        let mut next_contact = FIRST_CONTACT_ID;
        for index in 0..36 {
            let account = if index < 4 {
                None
            } else {
                Some(index % accounts.len())
            };
            let account_synced = account
                .and_then(|a| accounts.get(a))
                .is_some_and(|a| a.netsuite_id.is_some());
            // Half the contacts of synced accounts are already in NetSuite; the rest wait for
            // their first sync, which is what a demo shows happening.
            let netsuite_id = (account_synced && index % 2 == 0).then(|| {
                let id = next_contact;
                next_contact += 1;
                id
            });
            let first_name = pick(&mut rng, FIRST_NAMES).to_owned();
            let last_name = pick(&mut rng, LAST_NAMES).to_owned();
            let email = format!(
                "{}.{}{}@example.com",
                first_name.to_lowercase(),
                last_name.to_lowercase(),
                index + 1
            );
            contacts.push(SeedContact {
                salesforce_id: ids::record_id(ids::CONTACT_PREFIX, index as u64 + 1),
                first_name,
                last_name,
                email,
                phone: format!("+1 555 02{:02}", rng.random_range(0..100)),
                title: pick(&mut rng, TITLES).to_owned(),
                account,
                netsuite_id,
            });
        }
        Self {
            seed,
            accounts,
            contacts,
        }
    }
}

fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_plan_and_another_seed_another() {
        assert_eq!(SeedPlan::generate(3), SeedPlan::generate(3));
        assert_ne!(SeedPlan::generate(3), SeedPlan::generate(4));
    }

    #[test]
    fn synced_contacts_belong_to_synced_accounts_and_some_contacts_are_standalone() {
        let plan = SeedPlan::generate(1);
        assert!(plan.contacts.iter().any(|c| c.account.is_none()));
        assert!(plan.accounts.iter().any(|a| a.netsuite_id.is_none()));
        for contact in plan.contacts.iter().filter(|c| c.netsuite_id.is_some()) {
            let account = contact.account.and_then(|a| plan.accounts.get(a)).unwrap();
            assert!(account.netsuite_id.is_some());
        }
    }
}
