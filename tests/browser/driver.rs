//! Starting chromedriver and a headless Chromium session, and small helpers for steps.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Map, Value, json};

/// Where the browser binaries are, if anywhere.
fn find(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Ok(path) = std::env::var(env)
        && !path.is_empty()
    {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// chromedriver, killed when dropped.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// Starts chromedriver on a free port, or says why the browser tests are skipped.
    pub async fn start() -> Option<Driver> {
        let Some(binary) = find("FERRY_CHROMEDRIVER", &["chromedriver", "chromium-driver"]) else {
            eprintln!(
                "SKIPPED browser test: chromedriver is not installed \
                 (apt-get install chromium chromium-driver; .ci/run does)"
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http
                .get(format!("{}/status", driver.url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Some(driver);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not come up on port {port}");
    }

    /// A new headless Chromium window (1280×1000).
    pub async fn browser(&self) -> Client {
        let mut options = json!({
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--lang=en-US"
            ]
        });
        if let Some(chromium) = find("FERRY_CHROMIUM", &["chromium", "chromium-browser"]) {
            options["binary"] = json!(chromium.display().to_string());
        }
        let mut caps = Map::new();
        caps.insert("goog:chromeOptions".to_owned(), options);
        caps.insert("browserName".to_owned(), json!("chrome"));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}

/// Saves numbered screenshots of one test's steps.
pub struct Shots {
    dir: PathBuf,
    test: &'static str,
    n: u32,
}

impl Shots {
    pub fn new(test: &'static str) -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        Self { dir, test, n: 0 }
    }

    pub async fn take(&mut self, browser: &Client, step: &str) {
        self.n += 1;
        let path = self
            .dir
            .join(format!("{}-{:02}-{step}.png", self.test, self.n));
        match browser.screenshot().await {
            Ok(png) => {
                std::fs::write(&path, png).expect("write a screenshot");
                eprintln!("screenshot: {}", path.display());
            }
            Err(e) => eprintln!("no screenshot for {step}: {e}"),
        }
    }
}

/// Waits (up to 15 s) for an element.
pub async fn wait_for(browser: &Client, css: &str) -> fantoccini::elements::Element {
    browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
}

/// Waits (up to 15 s) until the page's HTML contains `text`.
pub async fn wait_for_text(browser: &Client, text: &str) {
    for _ in 0..150 {
        if browser.source().await.is_ok_and(|s| s.contains(text)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never showed {text:?}");
}

/// Clicks the element matched by `css`.
pub async fn click(browser: &Client, css: &str) {
    wait_for(browser, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
}

/// Types into the input matched by `css`, replacing its value.
pub async fn fill(browser: &Client, css: &str, text: &str) {
    let input = wait_for(browser, css).await;
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

/// Chooses an option (by value) of the select matched by `css`, as a person does: the
/// change event fires.
pub async fn choose(browser: &Client, css: &str, value: &str) {
    let select = wait_for(browser, css).await;
    select
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("cannot choose {value} in {css}: {e}"));
}

/// The value of a form control.
pub async fn value_of(browser: &Client, css: &str) -> String {
    wait_for(browser, css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// A CSS attribute selector value, quoted.
pub fn quoted(v: &str) -> String {
    Value::String(v.to_owned()).to_string()
}
