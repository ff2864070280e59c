use std::process::ExitCode;

use clap::{Parser, Subcommand};
use paydesk::config::{self, Config};
use paydesk::db;
use paydesk::startup::Application;

#[derive(Parser)]
#[command(
    name = "paydesk",
    version,
    about = "Help desk for failed bill and wallet payments"
)]
struct Cli {
    /// sqlite://path (created when absent) or postgres://user@host/db
    #[arg(long, env = "DATABASE_URL", default_value = config::DEFAULT_DATABASE_URL, global = true)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates the database first).
    Serve {
        #[arg(long, env = "PAYDESK_BIND", default_value = config::DEFAULT_BIND)]
        bind: String,
        /// Base of the links given to customers, e.g. https://help.example.com
        #[arg(long, env = "PAYDESK_PUBLIC_URL")]
        public_url: Option<String>,
        /// Largest screenshot accepted, in MiB.
        #[arg(long, env = "PAYDESK_MAX_SCREENSHOT_MB", default_value_t = 5)]
        max_screenshot_mb: usize,
        /// Database connections kept open.
        #[arg(long, env = "PAYDESK_DB_POOL", default_value_t = 8)]
        db_pool: u32,
        /// HTTP worker threads (default: one per core).
        #[arg(long, env = "PAYDESK_WORKERS")]
        workers: Option<usize>,
    },
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,actix_server=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Migrate => db::DatabaseUrl::parse(&cli.database_url)
            .and_then(|url| db::migrate(&url))
            .map(|()| tracing::info!("database is up to date"))
            .map_err(|e| e.to_string()),
        Command::Serve {
            bind,
            public_url,
            max_screenshot_mb,
            db_pool,
            workers,
        } => {
            let config = Config {
                bind,
                public_url,
                max_screenshot_bytes: max_screenshot_mb * 1024 * 1024,
                db_pool_size: db_pool,
                workers,
                ..Config::new(cli.database_url)
            };
            serve(config)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("paydesk: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: Config) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(config).map_err(|e| e.to_string())?;
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}
