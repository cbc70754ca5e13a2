//! The command line: `ferry serve | worker | migrate | sandbox | admin`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands;
use crate::config::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "ferry",
    version,
    about = "Ferry: Salesforce ↔ NetSuite, kept in step"
)]
pub struct Cli {
    /// Configuration file (optional; environment variables override it).
    #[arg(
        long,
        global = true,
        default_value = "ferry.toml",
        env = "FERRY_CONFIG"
    )]
    pub config: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and run the background workers in one process.
    Serve {
        /// Address to listen on (overrides configuration).
        #[arg(long)]
        bind: Option<SocketAddr>,
        /// Serve Prometheus metrics at `/metrics` on this address (overrides `metrics_bind`).
        #[arg(long)]
        metrics_bind: Option<SocketAddr>,
        /// Also serve the Salesforce and NetSuite simulators (ports 8081 and
        /// 8082, demo data of seed 1) in this process.
        #[arg(long)]
        sandbox: bool,
        #[command(flatten)]
        binds: commands::serve::SandboxBinds,
    },
    /// Serve, work, and run the sandbox with a demo tenant whose connections point at it,
    /// outbound messages wired to its listeners and both flows on.
    Demo {
        /// Address to listen on (overrides configuration).
        #[arg(long)]
        bind: Option<SocketAddr>,
        #[command(flatten)]
        binds: commands::serve::SandboxBinds,
    },
    /// Measure Ferry: contacts through the real product against the in-process sandbox.
    Bench(crate::bench::BenchArgs),
    /// Run only the background workers (several may share one PostgreSQL).
    Worker {
        /// Serve Prometheus metrics at `/metrics` on this address (overrides `metrics_bind`).
        #[arg(long)]
        metrics_bind: Option<SocketAddr>,
    },
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Serve the Salesforce and NetSuite simulators (the sandbox).
    Sandbox(commands::sandbox::SandboxArgs),
    /// Administrative tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a support staff user (or give the support role to an existing user).
    CreateSupportUser {
        /// The support user's e-mail address.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long, default_value = "Ferry Support")]
        name: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(&cli.config)?;
    // The bench's report and progress bar are its output; the app's info lines would bury them.
    let quiet = matches!(cli.command, Command::Bench(_));
    crate::telemetry::init(settings.log_format, quiet);
    match cli.command {
        Command::Serve {
            bind,
            metrics_bind,
            sandbox,
            binds,
        } => {
            let options = commands::serve::ServeOptions {
                bind,
                metrics_bind,
                sandbox: sandbox.then_some(binds),
                demo: false,
            };
            commands::serve::run(settings, options).await
        }
        Command::Demo { bind, binds } => {
            let options = commands::serve::ServeOptions {
                bind,
                metrics_bind: None,
                sandbox: Some(binds),
                demo: true,
            };
            commands::serve::run(settings, options).await
        }
        Command::Worker { metrics_bind } => commands::worker::run(settings, metrics_bind).await,
        Command::Bench(args) => crate::bench::run(args).await,
        Command::Migrate => commands::migrate::run(settings).await,
        Command::Sandbox(args) => commands::sandbox::run(args).await,
        Command::Admin { command } => match command {
            AdminCommand::CreateSupportUser {
                email,
                name,
                password_stdin,
            } => {
                commands::admin::create_support_user(settings, &email, &name, password_stdin).await
            }
        },
    }
}
