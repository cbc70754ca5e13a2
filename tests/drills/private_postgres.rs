//! A PostgreSQL server of the drill's own (initdb in a temporary folder, its own port), so
//! restarting it mid-run touches nothing else on the machine. PostgreSQL refuses to run as
//! root; as root the server runs as the `postgres` user.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PrivatePostgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

/// The newest installed server's binaries (Debian keeps them under /usr/lib/postgresql/N/bin).
fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(55432)
}

impl PrivatePostgres {
    /// Starts the server, or says why not and returns `None` (the drill is then skipped).
    pub fn start() -> Option<Self> {
        let Some(bin) = server_bin() else {
            eprintln!("skipped: no PostgreSQL server binaries under /usr/lib/postgresql");
            return None;
        };
        let dir = tempfile::tempdir().ok()?;
        let as_postgres = is_root();
        if as_postgres {
            // The data folder must belong to the user the server runs as.
            let chown = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status();
            if !chown.is_ok_and(|s| s.success()) {
                eprintln!("skipped: cannot hand a folder to the postgres user");
                return None;
            }
        }
        let server = Self {
            bin,
            dir,
            port: free_port(),
            as_postgres,
        };
        let data = server.data();
        let initdb = server
            .command("initdb")
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
            .arg(&data)
            .output();
        match initdb {
            Ok(o) if o.status.success() => {}
            other => {
                eprintln!("skipped: initdb failed: {other:?}");
                return None;
            }
        }
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            server.port,
            server.dir.path().display()
        );
        let started = server
            .command("pg_ctl")
            .args(["-w", "-t", "60", "-D"])
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(server.dir.path().join("server.log"))
            .arg("start")
            .status();
        if !started.is_ok_and(|s| s.success()) {
            eprintln!(
                "skipped: the private PostgreSQL did not start: {}",
                std::fs::read_to_string(server.dir.path().join("server.log")).unwrap_or_default()
            );
            return None;
        }
        Some(server)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn shell_command(&self, tool: &str, args: &str) -> String {
        let path = self.bin.join(tool);
        let prefix = if self.as_postgres {
            "runuser -u postgres -- "
        } else {
            ""
        };
        format!("{prefix}{} {args}", quote(&path))
    }

    /// The server URL `ferry bench --database-url` takes (it creates its database there).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// An immediate stop (a crash, as far as transactions go: no checkpoint, WAL replayed on
    /// start) and a start with the same options.
    pub fn restart_command(&self) -> String {
        self.shell_command(
            "pg_ctl",
            // `-l` again: without it the restarted server would write to (and hold open) the
            // bench's stdout.
            &format!(
                "-w -t 60 -m immediate -D {} -l {} restart",
                quote(&self.data()),
                quote(&self.dir.path().join("server.log"))
            ),
        )
    }
}

fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-w", "-m", "immediate", "-D"])
            .arg(self.data())
            .arg("stop")
            .status();
    }
}
