use std::process::ExitCode;

use clap::{Parser, Subcommand};
use paydesk::config::{self, Config};
use paydesk::db;
use paydesk::startup::Application;

#[derive(Parser)]
#[command(name = "paydesk", version, about = "Help desk for failed bill and wallet payments")]
struct Cli {
    /// sqlite://path (created when absent) or postgres://user@host/db
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, default_value = config::DEFAULT_DATABASE_URL, global = true)]
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
        #[command(flatten)]
        config: Config,
    },
    /// Delete screenshots and anonymise contact emails of tickets closed long
    /// ago (the server also does this every minute).
    Purge {
        /// Only list what would go.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        retention: config::Retention,
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
    /// Routing's classification.
    #[command(subcommand)]
    Routing(RoutingCommand),
    /// Manage webhook endpoints.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Working-time calendars.
    #[command(subcommand)]
    Calendar(CalendarCommand),
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Add a holiday feed's days (an iCalendar file: all-day events marked
    /// by CATEGORIES 节假日/Holiday or 调休/Business Day, or by their title)
    /// to a calendar, created when new.
    Import {
        /// The calendar to add them to (e.g. cn-workdays).
        #[arg(long)]
        calendar: String,
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum WebhookCommand {
    /// Register an endpoint for some events; prints its id.
    Add {
        #[arg(long)]
        url: String,
        /// The signing secret (16 to 200 characters); from the environment
        /// rather than the command line, where others may see it.
        #[arg(long, env = "PAYDESK_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
        /// Comma-separated: ticket.created, ticket.updated, ticket.resolved,
        /// escalation.approved, escalation.answered.
        #[arg(long)]
        events: String,
        /// Allow a loopback or private-network address (as the server's
        /// --webhooks-allow-private).
        #[arg(long, env = "PAYDESK_WEBHOOKS_ALLOW_PRIVATE")]
        webhooks_allow_private: bool,
    },
}

#[derive(Subcommand)]
enum RoutingCommand {
    /// Route a labelled corpus (tab-separated: kind symptom step method
    /// checks code message) and print precision and recall per kind and the
    /// confusion table; fails below 95% accuracy or 90% recall for a kind.
    Eval {
        /// The corpus (default: the one built in, tests/routing/corpus.tsv).
        file: Option<std::path::PathBuf>,
        /// Also list every case routed wrong.
        #[arg(long)]
        misses: bool,
        /// k-fold cross-validation instead: the vocabulary alone, the
        /// learned model alone (trained on the other folds) and both.
        #[arg(long, value_name = "K")]
        cv: Option<usize>,
        /// Route with this rules file instead of the built-in one (the
        /// server's PAYDESK_RULES).
        #[arg(long, env = "PAYDESK_RULES")]
        rules: Option<std::path::PathBuf>,
    },
    /// Print, as corpus rows, the tickets whose kind an agent set by hand
    /// (long numbers and email addresses masked), to review and add to a
    /// corpus.
    ExportCorrections {
        /// Only tickets filed on or after this day (YYYY-MM-DD).
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
    },
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
        Command::Webhook(WebhookCommand::Add { url, secret, events, webhooks_allow_private }) => {
            add_webhook(&cli.database_url, &url, &secret, &events, webhooks_allow_private)
        }
        Command::Routing(RoutingCommand::Eval { file, misses, cv, rules }) => {
            routing_eval(file.as_deref(), rules.as_deref(), misses, cv)
        }
        Command::Routing(RoutingCommand::ExportCorrections { since }) => export_corrections(&cli.database_url, since),
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
        Command::Calendar(CalendarCommand::Import { calendar, file }) => {
            import_calendar(&cli.database_url, &calendar, &file)
        }
        Command::Migrate => db::DatabaseUrl::parse(&cli.database_url)
            .and_then(|url| db::migrate(&url))
            .map(|()| tracing::info!("database is up to date"))
            .map_err(|e| e.to_string()),
        Command::Serve { config } => {
            let config = Config { database_url: cli.database_url.into(), ..config };
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

fn routing_eval(
    file: Option<&std::path::Path>,
    rules: Option<&std::path::Path>,
    show_misses: bool,
    cv: Option<usize>,
) -> Result<(), String> {
    use paydesk::routing::{eval, Rules};
    let rules = match rules {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Rules::parse(&text).map_err(|e| e.to_string())?
        }
        None => Rules::default_rules(),
    };
    let text = match file {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
        None => eval::CORPUS.to_string(),
    };
    let cases = eval::parse(&text)?;
    let score = match cv {
        Some(k) => {
            let cv = eval::cross_validate(&rules, &cases, k);
            print!("{}", cv.table());
            cv.both
        }
        None => {
            let score = eval::score(&rules, &cases, None);
            print!("{}", score.table());
            score
        }
    };
    if show_misses {
        println!();
        for (c, got) in &score.misses {
            println!(
                "line {}: {} → {got}: {} | {}",
                c.line,
                c.expected,
                c.error_message.as_deref().unwrap_or("-"),
                c.description
            );
        }
    }
    match score.shortfalls() {
        s if s.is_empty() => Ok(()),
        s => Err(s.join("; ")),
    }
}

fn export_corrections(database_url: &str, since: Option<chrono::NaiveDate>) -> Result<(), String> {
    let mut conn = open(database_url)?;
    let since = since.and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default();
    let rows = paydesk::ops::routing::corrections_as_corpus(&mut conn, since).map_err(|e| e.to_string())?;
    println!("# paydesk routing corrections: kinds set by hand by agents, as corpus rows (8 columns).");
    println!("# Review each row before adding it to a corpus: the kind is the agent's, the words the customer's.");
    for row in &rows {
        println!("{row}");
    }
    eprintln!("{} tickets", rows.len());
    Ok(())
}

fn serve(config: Config) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(config).map_err(|e| e.to_string())?;
        // SIGTERM (a rolling restart) and SIGINT drain; a second one stops
        // at once.
        let drainer = app.drainer();
        actix_web::rt::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
                tracing::error!("no signal handlers: SIGTERM will not drain");
                return;
            };
            tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
            actix_web::rt::spawn(drainer.drain());
            tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
            tracing::warn!("second signal: stopping now");
            std::process::exit(1);
        });
        app.run_until_stopped().await.map_err(|e| e.to_string())?;
        // Drained: exit now, rather than wait for a blocking task the
        // drain's time limit already gave up on.
        std::process::exit(0)
    })
}

fn import_calendar(database_url: &str, name: &str, file: &std::path::Path) -> Result<(), String> {
    use paydesk::domain::calendar_ics;
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let feed = calendar_ics::read(&text).map_err(|_| format!("{}: not an iCalendar file", file.display()))?;
    if !paydesk::domain::calendar::valid_name(name) {
        return Err("--calendar: a name of ASCII letters, digits and dashes (at most 40)".into());
    }
    let mut conn = open(database_url)?;
    let source = file.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
    let now = chrono::Utc::now().naive_utc();
    let done =
        paydesk::ops::calendars::import(&mut conn, name, &feed, &source, None, now).map_err(|e| e.to_string())?;
    println!(
        "{name}: {} closed days, {} make-up working days, years {:?}; {} events said neither and were left out",
        done.closed, done.open, done.years, done.skipped
    );
    Ok(())
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
        "users-name-long" => format!("--name may have at most {} characters", paydesk::domain::text::limits::NAME),
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
    use paydesk::ops::retention;
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

fn add_webhook(database_url: &str, url: &str, secret: &str, events: &str, allow_private: bool) -> Result<(), String> {
    use paydesk::webhooks;
    let events = webhooks::parse_events(events).map_err(|e| format!("--events: {e}"))?;
    webhooks::check_target(url, allow_private).map_err(|e| format!("--url: {e}"))?;
    webhooks::check_secret(secret).map_err(|e| format!("--secret: {e}"))?;
    let mut conn = open(database_url)?;
    let id = webhooks::register(&mut conn, url, secret, &events, chrono::Utc::now().naive_utc())
        .map_err(|e| e.to_string())?;
    println!("{id}");
    Ok(())
}

fn create_token(database_url: &str, email: &str, name: &str, days: i64) -> Result<(), String> {
    use paydesk::db::users;
    if !(0..=3650).contains(&days) {
        return Err("--days must be 0 (never ends) to 3650".into());
    }
    let mut conn = open(database_url)?;
    let user = users::find_by_email(&mut conn, email).map_err(|e| e.to_string())?.ok_or("no user with that email")?;
    let now = chrono::Utc::now().naive_utc();
    let expires = (days > 0).then(|| now + chrono::Duration::days(days));
    let token = users::create_token_until(&mut conn, &user.id, name, expires, now).map_err(|e| e.to_string())?;
    println!("{token}");
    Ok(())
}
