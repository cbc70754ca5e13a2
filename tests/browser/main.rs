//! Browser tests: a person's path through Ferry in real headless Chromium, driven over
//! WebDriver (chromedriver, started here on a free port). Screenshots of every step go to
//! `target/screenshots/`, on success and on failure.
//!
//! They need Debian's `chromium` and `chromium-driver` (CI's `.ci/run` installs them); where
//! chromedriver is missing they skip with a message. `FERRY_CHROMEDRIVER` names another
//! chromedriver binary, `FERRY_CHROMIUM` another browser.
// Test code: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../app/helpers.rs"]
mod helpers;

#[allow(dead_code)]
#[path = "../app/sync_fixture.rs"]
mod sync_fixture;

mod dashboard_path;
mod driver;
mod settings_path;
