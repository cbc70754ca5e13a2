//! The `ferry worker` processes a bench spawns against its database, which the kill drill
//! SIGKILLs and restarts.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use anyhow::Context;

pub struct WorkerProcesses {
    exe: PathBuf,
    database_url: String,
    data_dir: PathBuf,
    children: Mutex<Vec<Child>>,
    /// Peak RSS of workers already killed, in MB (theirs is gone with them).
    killed_rss_mb: Mutex<f64>,
}

impl WorkerProcesses {
    pub fn spawn(count: usize, database_url: &str, data_dir: &Path) -> anyhow::Result<Self> {
        let workers = Self {
            exe: std::env::current_exe()?,
            database_url: database_url.to_owned(),
            data_dir: data_dir.to_owned(),
            children: Mutex::new(Vec::with_capacity(count)),
            killed_rss_mb: Mutex::new(0.0),
        };
        for _ in 0..count {
            let child = workers.start_one()?;
            workers.children().push(child);
        }
        Ok(workers)
    }

    fn children(&self) -> std::sync::MutexGuard<'_, Vec<Child>> {
        self.children.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn start_one(&self) -> anyhow::Result<Child> {
        Command::new(&self.exe)
            .arg("worker")
            .env("DATABASE_URL", &self.database_url)
            .env("FERRY_DATA_DIR", &self.data_dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .context("spawning a ferry worker")
    }

    /// SIGKILLs the `index`-th worker (modulo their number) and starts a new one in its place.
    pub fn kill_and_restart(&self, index: usize) -> anyhow::Result<()> {
        let mut children = self.children();
        if children.is_empty() {
            return Ok(());
        }
        let at = index % children.len();
        let rss = super::report::peak_rss_mb(Some(children[at].id()));
        {
            let mut killed = self.killed_rss_mb.lock().unwrap_or_else(|p| p.into_inner());
            *killed = killed.max(rss);
        }
        // `Child::kill` is SIGKILL on Unix: no shutdown hook runs, as in a crash.
        children[at].kill().ok();
        children[at].wait().ok();
        children[at] = self.start_one()?;
        Ok(())
    }

    /// Peak RSS summed over the live workers (a killed worker counts with its own peak when
    /// it was larger than the one that replaced it).
    pub fn rss_mb(&self) -> f64 {
        let live: Vec<f64> = self
            .children()
            .iter()
            .map(|c| super::report::peak_rss_mb(Some(c.id())))
            .collect();
        let killed = *self.killed_rss_mb.lock().unwrap_or_else(|p| p.into_inner());
        let largest = live.iter().copied().fold(0.0, f64::max);
        live.iter().sum::<f64>() + (killed - largest).max(0.0)
    }

    pub fn stop(&self) {
        for child in self.children().iter_mut() {
            child.kill().ok();
            child.wait().ok();
        }
    }
}
