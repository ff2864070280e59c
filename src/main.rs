use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use paydesk::config::{self, Config};
use paydesk::db;
use paydesk::startup::Application;

#[derive(Parser)]
#[command(name = "paydesk", version, about = "Help desk for failed bill and wallet payments")]
struct Cli {
    /// sqlite://path (created when absent) or postgres://user@host/db
    #[arg(long, env = "DATABASE_URL", default_value = config::DEFAULT_DATABASE_URL, global = true)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start: the size of `Serve`'s settings costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates the database first).
    Serve {
        #[arg(long, env = "PAYDESK_BIND", default_value = config::DEFAULT_BIND)]
        bind: String,
        /// Where Prometheus metrics are served (`/metrics`), apart from the
        /// public listener; "off" serves none.
        #[arg(long, env = "PAYDESK_METRICS_BIND", default_value = config::DEFAULT_METRICS_BIND)]
        metrics_bind: String,
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
        /// Mark cookies Secure (default: when the public URL is https).
        #[arg(long, env = "PAYDESK_SECURE_COOKIES")]
        secure_cookies: Option<bool>,
        /// smtp://host:port, smtp://user:pass@host:587?tls=required, smtps://host:465
        /// (default: write messages as .eml files to --mail-dir)
        #[arg(long, env = "PAYDESK_SMTP_URL")]
        smtp_url: Option<String>,
        #[arg(long, env = "PAYDESK_MAIL_DIR", default_value = "mail-outbox")]
        mail_dir: String,
        #[arg(long, env = "PAYDESK_MAIL_FROM", default_value = "paydesk <noreply@paydesk.localhost>")]
        mail_from: String,
        /// Routing rules file (default: the built-in rules)
        #[arg(long, env = "PAYDESK_RULES")]
        rules: Option<String>,
        /// Where approved escalations to engineering go
        #[arg(long, env = "PAYDESK_ENGINEERING_EMAIL", default_value = "engineering@paydesk.localhost")]
        engineering_email: String,
        /// Where approved escalations to the payment provider go
        #[arg(long, env = "PAYDESK_PROVIDER_EMAIL", default_value = "payment-provider@paydesk.localhost")]
        provider_email: String,
        /// Self-service tickets with no answer for this many hours are resolved
        #[arg(long, env = "PAYDESK_SELF_SERVICE_TIMEOUT_HOURS", default_value_t = 72)]
        self_service_timeout_hours: i64,
        /// Money taken and not credited for this many days goes to the provider (after review)
        #[arg(long, env = "PAYDESK_PROVIDER_AFTER_DAYS", default_value_t = 3)]
        provider_after_days: i64,
        /// Tickets and customer messages one client address may send a minute (0: no limit)
        #[arg(long, env = "PAYDESK_INTAKE_PER_MINUTE", default_value_t = 30)]
        intake_per_minute: u32,
        /// Sign-in attempts one client address may make a minute (0: no limit)
        #[arg(long, env = "PAYDESK_SIGN_IN_PER_MINUTE", default_value_t = 30)]
        sign_in_per_minute: u32,
        /// The header your reverse proxy sets to the client's address, e.g. X-Real-IP
        /// (default: the connecting address is the client's)
        #[arg(long, env = "PAYDESK_CLIENT_IP_HEADER")]
        client_ip_header: Option<String>,
        #[command(flatten)]
        retention: RetentionArgs,
    },
    /// Delete screenshots and anonymise contact emails of tickets closed long
    /// ago (the server also does this every minute).
    Purge {
        /// Only list what would go.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        retention: RetentionArgs,
    },
    /// Demonstration data.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage personal API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// How long a closed ticket keeps its personal data.
#[derive(Args)]
struct RetentionArgs {
    /// Days after a closed ticket's last change its screenshots are deleted (0: never)
    #[arg(long, env = "PAYDESK_SCREENSHOT_RETENTION_DAYS", default_value_t = 90)]
    screenshot_retention_days: i64,
    /// Days after a closed ticket's last change its contact email is anonymised (0: never)
    #[arg(long, env = "PAYDESK_EMAIL_RETENTION_DAYS", default_value_t = 365)]
    email_retention_days: i64,
}

impl RetentionArgs {
    fn policy(&self) -> paydesk::domain::retention::Policy {
        paydesk::domain::retention::Policy {
            screenshot_days: self.screenshot_retention_days,
            email_days: self.email_retention_days,
        }
    }
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Fill the database with realistic synthetic tickets (for trying the
    /// product and for benchmarks); adds demo staff accounts when absent.
    Seed {
        /// How many tickets.
        #[arg(long, default_value_t = 1000)]
        tickets: u64,
        /// Spread them over this many days before now.
        #[arg(long, default_value_t = 365)]
        days: i64,
        /// One ticket in this many carries a screenshot (0: none).
        #[arg(long, default_value_t = 20)]
        screenshot_every: u64,
        /// Random seed, for the same data twice.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff account (the first admin of a fresh install, say).
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// agent, supervisor or admin
        #[arg(long)]
        role: String,
        /// Queues served, comma-separated (default: general)
        #[arg(long, default_value = "general")]
        queues: String,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Set a staff member's password (read from standard input); ends every
    /// session of the account and revokes its API tokens.
    SetPassword {
        #[arg(long)]
        email: String,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a personal API token for a user and print it (shown once).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "command line")]
        name: String,
        /// Days until the token stops working (0: never).
        #[arg(long, default_value_t = paydesk::db::users::TOKEN_DEFAULT_DAYS)]
        days: i64,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,actix_server=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::User(UserCommand::Add { email, name, role, queues, password_stdin: _ }) => {
            add_user(&cli.database_url, &email, &name, &role, &queues)
        }
        Command::User(UserCommand::SetPassword { email, password_stdin: _ }) => set_password(&cli.database_url, &email),
        Command::Token(TokenCommand::Create { email, name, days }) => {
            create_token(&cli.database_url, &email, &name, days)
        }
        Command::Purge { dry_run, retention } => purge(&cli.database_url, &retention.policy(), dry_run),
        Command::Demo(DemoCommand::Seed { tickets, days, screenshot_every, seed }) => {
            let options = paydesk::demo::Options { tickets, days, screenshot_every, seed };
            open(&cli.database_url).and_then(|mut conn| {
                let report = paydesk::demo::seed(&mut conn, &options, &mut |done| {
                    eprint!("\rseeded {done} of {tickets} tickets");
                })
                .map_err(|e| e.to_string())?;
                eprintln!();
                println!("{report}");
                Ok(())
            })
        }
        Command::Migrate => db::DatabaseUrl::parse(&cli.database_url)
            .and_then(|url| db::migrate(&url))
            .map(|()| tracing::info!("database is up to date"))
            .map_err(|e| e.to_string()),
        Command::Serve {
            bind,
            metrics_bind,
            public_url,
            max_screenshot_mb,
            db_pool,
            workers,
            secure_cookies,
            smtp_url,
            mail_dir,
            mail_from,
            rules,
            engineering_email,
            provider_email,
            self_service_timeout_hours,
            provider_after_days,
            intake_per_minute,
            sign_in_per_minute,
            client_ip_header,
            retention,
        } => {
            let secure_cookies =
                secure_cookies.unwrap_or_else(|| public_url.as_deref().is_some_and(|u| u.starts_with("https://")));
            let config = Config {
                secure_cookies,
                smtp_url,
                mail_dir,
                mail_from,
                rules_path: rules,
                engineering_email,
                provider_email,
                self_service_timeout_hours,
                provider_after_days,
                bind,
                metrics_bind: (metrics_bind != "off").then_some(metrics_bind),
                public_url,
                max_screenshot_bytes: max_screenshot_mb * 1024 * 1024,
                db_pool_size: db_pool,
                workers,
                intake_per_minute,
                sign_in_per_minute,
                client_ip_header,
                screenshot_retention_days: retention.screenshot_retention_days,
                email_retention_days: retention.email_retention_days,
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

fn open(database_url: &str) -> Result<db::PooledConn, String> {
    let pool = db::connect(database_url, 1).map_err(|e| e.to_string())?;
    pool.get().map_err(|e| e.to_string())
}

fn add_user(database_url: &str, email: &str, name: &str, role: &str, queues: &str) -> Result<(), String> {
    use paydesk::auth::password;
    use paydesk::db::users::{self, NewUser};
    use paydesk::domain::codes::{Queue, Role};

    let role = Role::parse(role).ok_or("--role must be agent, supervisor or admin")?;
    let queues = queues
        .split(',')
        .map(|q| Queue::parse(q.trim()).ok_or(format!("unknown queue {q:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    if !email.contains('@') || name.trim().is_empty() {
        return Err("--email and --name are required".into());
    }
    let name = paydesk::web::staff::admin::clean_name(name).map_err(|key| match key {
        "users-name-long" => format!("--name may have at most {} characters", paydesk::web::staff::admin::NAME_MAX),
        _ => "--name may not hold control or bidirectional-override characters".to_string(),
    })?;
    let pw = read_password()?;
    let hash = password::hash(&pw);
    let mut conn = open(database_url)?;
    let new = NewUser { email, name: &name, role, password_hash: &hash, queues: &queues };
    let user = users::create(&mut conn, new, chrono::Utc::now().naive_utc()).map_err(|e| e.to_string())?;
    println!("added {} ({}) as {}", user.email, user.name, user.role);
    Ok(())
}

/// One line from standard input, checked to be long enough.
fn read_password() -> Result<String, String> {
    use paydesk::auth::password;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| e.to_string())?;
    let pw = line.trim_end_matches(['\n', '\r']).to_string();
    if !password::acceptable(&pw) {
        return Err(format!("the password needs at least {} characters", password::MIN_LEN));
    }
    Ok(pw)
}

fn set_password(database_url: &str, email: &str) -> Result<(), String> {
    use paydesk::auth::password;
    use paydesk::db::users::{self, PasswordChange};
    let pw = read_password()?;
    let mut conn = open(database_url)?;
    let user = users::find_by_email(&mut conn, email).map_err(|e| e.to_string())?.ok_or("no user with that email")?;
    let hash = password::hash(&pw);
    let now = chrono::Utc::now().naive_utc();
    let ended = users::change_password(&mut conn, &user.id, &hash, PasswordChange::CommandLine, now)
        .map_err(|e| e.to_string())?;
    println!(
        "password changed for {}; {} sessions ended, {} API tokens revoked",
        user.email, ended.sessions, ended.tokens
    );
    Ok(())
}

fn purge(database_url: &str, policy: &paydesk::domain::retention::Policy, dry_run: bool) -> Result<(), String> {
    use paydesk::db::retention;
    let mut conn = open(database_url)?;
    let now = chrono::Utc::now().naive_utc();
    if dry_run {
        let plan = retention::plan(&mut conn, policy, now, i64::MAX).map_err(|e| e.to_string())?;
        println!("would delete the screenshots of {} closed tickets:", plan.screenshots.len());
        for t in &plan.screenshots {
            println!("  {}  last changed {}", t.reference, t.updated_at.format("%Y-%m-%d"));
        }
        println!("would anonymise the contact email of {} closed tickets:", plan.emails.len());
        for t in &plan.emails {
            println!("  {}  last changed {}", t.reference, t.updated_at.format("%Y-%m-%d"));
        }
        return Ok(());
    }
    let mut total = retention::Done::default();
    // In batches, so each transaction stays short while a server runs.
    loop {
        let done = retention::purge(&mut conn, policy, now, 1000).map_err(|e| e.to_string())?;
        if done == Default::default() {
            break;
        }
        total.add(done);
    }
    println!(
        "deleted {} screenshots of {} closed tickets; anonymised the contact email of {} closed tickets",
        total.screenshots, total.tickets_with_screenshots, total.emails
    );
    Ok(())
}

fn create_token(database_url: &str, email: &str, name: &str, days: i64) -> Result<(), String> {
    use paydesk::db::users;
    if days < 0 {
        return Err("--days must be 0 (never ends) or more".into());
    }
    let mut conn = open(database_url)?;
    let user = users::find_by_email(&mut conn, email).map_err(|e| e.to_string())?.ok_or("no user with that email")?;
    let now = chrono::Utc::now().naive_utc();
    let expires = (days > 0).then(|| now + chrono::Duration::days(days));
    let token = users::create_token_until(&mut conn, &user.id, name, expires, now).map_err(|e| e.to_string())?;
    println!("{token}");
    Ok(())
}
