//! The `paydesk` binary as an operator runs it.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_paydesk");

#[tokio::test]
async fn serve_creates_the_database_and_logs_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nested/dir/paydesk.db");
    let log_path = dir.path().join("server.log");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = Command::new(BIN)
        .args(["serve", "--metrics-bind", "127.0.0.1:0", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("PAYDESK_WORKERS", "1")
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut healthy = false;
    for _ in 0..100 {
        if let Ok(res) = reqwest::get(format!("{base}/healthz")).await {
            healthy = res.status().as_u16() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "paydesk serve answered /healthz");
    assert!(db.exists(), "the database file was created");

    // A ticket filed and followed: nothing personal may reach the log.
    let fields = crate::support::complete_fields();
    let shot = Some(crate::support::png_part("e.png", crate::support::samples::png()));
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/tickets"))
        .multipart(crate::support::form(&fields, shot))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    let tracking_url = body["tracking_url"].as_str().unwrap();
    assert_eq!(reqwest::get(tracking_url).await.unwrap().status().as_u16(), 200);
    child.kill().await.unwrap();

    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("ticket filed"), "the log is written: {log}");
    let token = tracking_url.rsplit('/').next().unwrap();
    for secret in ["310012344821", "3100 1234 4821", "li.wei@example.com", token] {
        assert!(!log.contains(secret), "{secret} reached the log");
    }
}

#[tokio::test]
async fn an_unknown_database_scheme_is_refused_with_a_clear_message() {
    let out = Command::new(BIN)
        .args(["migrate"])
        .env("DATABASE_URL", "mysql://root@localhost/paydesk")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DATABASE_URL must start with sqlite:// or postgres://"), "{stderr}");
}

#[tokio::test]
async fn the_first_admin_and_a_token_come_from_the_shell() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let mut child = Command::new(BIN)
        .args(["user", "add", "--email", "boss@paydesk.test", "--name", "Boss", "--role", "admin", "--password-stdin"])
        .env("DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"correct horse battery staple\n").await.unwrap();
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("added boss@paydesk.test"));

    let out = Command::new(BIN)
        .args(["token", "create", "--email", "boss@paydesk.test"])
        .env("DATABASE_URL", &url)
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(token.starts_with("pdk_") && token.len() > 40);

    // The account and its token work against a server on that database.
    let pool = paydesk::db::connect(&url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    let user = paydesk::db::users::find_by_email(&mut conn, "boss@paydesk.test").unwrap().unwrap();
    assert!(paydesk::auth::password::verify("correct horse battery staple", user.password_hash.expose()));
    let holder = paydesk::db::users::token_user(&mut conn, &token, chrono::Utc::now().naive_utc()).unwrap();
    assert_eq!(holder.map(|u| u.email), Some("boss@paydesk.test".to_string()));

    // A short password is refused, and nothing is created.
    let mut child = Command::new(BIN)
        .args(["user", "add", "--email", "x@paydesk.test", "--name", "X", "--role", "agent", "--password-stdin"])
        .env("DATABASE_URL", &url)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"short\n").await.unwrap();
    let out = child.wait_with_output().await.unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 10 characters"));
}

#[tokio::test]
async fn a_webhook_is_registered_from_the_shell_and_internal_addresses_need_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hooks.db").display());
    let run = |args: Vec<&str>| {
        let mut command = Command::new(BIN);
        command
            .args(["webhook", "add"])
            .args(args)
            .env("DATABASE_URL", &url)
            .env_remove("PAYDESK_WEBHOOKS_ALLOW_PRIVATE");
        command.output()
    };
    let base = ["--url", "http://127.0.0.1:9000/hook", "--secret", "0123456789abcdef0123", "--events"];
    let out = run([&base[..], &["ticket.created,ticket.resolved"]].concat()).await.unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--webhooks-allow-private"));
    let out = run([&base[..], &["ticket.deleted"]].concat()).await.unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown event"));
    let args = [&base[..], &["ticket.created,ticket.resolved", "--webhooks-allow-private"]].concat();
    let out = run(args).await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let mut conn = paydesk::db::connect(&url, 1).unwrap().get().unwrap();
    let hook = paydesk::webhooks::find(&mut conn, &id).unwrap().expect("registered");
    assert_eq!(hook.events, "ticket.created,ticket.resolved");
    assert_eq!(hook.url, "http://127.0.0.1:9000/hook");
}

#[tokio::test]
async fn migrate_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    for _ in 0..2 {
        let out = Command::new(BIN).arg("migrate").env("DATABASE_URL", &url).output().await.unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

#[tokio::test]
async fn demo_seed_fills_every_kind_and_the_dashboard_agrees_with_the_tickets() {
    use diesel::prelude::*;
    use paydesk::db::schema::{daily_stats, screenshots, tickets, users};
    let db = crate::support::TestDb::new();
    let out = Command::new(BIN)
        .args(["demo", "seed", "--tickets", "3000", "--screenshot-every", "10"])
        .env("DATABASE_URL", db.url())
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("added 3000 tickets"), "{report}");

    let mut conn = paydesk::db::connect(&db.url(), 1).unwrap().get().unwrap();
    let kinds: Vec<String> = tickets::table.select(tickets::case_kind).distinct().load(&mut conn).unwrap();
    for kind in paydesk::domain::codes::CaseKind::ALL {
        assert!(kinds.contains(&kind.as_str().to_string()), "no {kind} ticket");
    }
    let statuses: Vec<String> = tickets::table.select(tickets::status).distinct().load(&mut conn).unwrap();
    for status in ["open", "pending_customer", "resolved", "closed"] {
        assert!(statuses.contains(&status.to_string()), "no {status} ticket");
    }
    let shots: i64 = screenshots::table.count().get_result(&mut conn).unwrap();
    assert_eq!(shots, 300);
    // The dashboard's day counts add up to the tickets, per dimension.
    for dimension in ["case_kind", "city", "failing_step"] {
        let filed: Vec<i64> = daily_stats::table
            .filter(daily_stats::dimension.eq(dimension))
            .select(daily_stats::filed)
            .load(&mut conn)
            .unwrap();
        assert_eq!(filed.iter().sum::<i64>(), 3000, "{dimension}");
    }
    // Each agent's open count (what assignment reads) is right.
    let open: Vec<i64> = users::table.select(users::open_tickets).load(&mut conn).unwrap();
    let assigned_open: i64 = tickets::table
        .filter(tickets::assignee_id.is_not_null())
        .filter(tickets::status.ne_all(["resolved", "closed"]))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(open.iter().sum::<i64>(), assigned_open);

    // The demo staff can sign in and work the queue.
    let mail_dir = tempfile::tempdir().unwrap();
    let base = crate::support::start_server(&db.url(), mail_dir.path(), |_| {});
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let csrf = crate::support::hidden_value(&page, "csrf").unwrap();
    let res = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", "agent1@demo.paydesk.localhost"),
            ("password", paydesk::demo::DEMO_PASSWORD),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let queue = client.get(format!("{base}/agent?view=open")).send().await.unwrap();
    assert_eq!(queue.status().as_u16(), 200);
}

/// The README's configuration table says what `paydesk serve --help` says:
/// every flag with its variable and default, and nothing the server does not
/// take. (The settings are declared once, on `Config`; this keeps the
/// README from drifting.)
#[test]
fn the_readme_configuration_table_matches_serve_help() {
    let out = std::process::Command::new(BIN).args(["serve", "--help"]).output().expect("run paydesk serve --help");
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    // flag → (variable, default) from --help.
    let mut from_help = std::collections::BTreeMap::new();
    let mut lines = help.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(flag) = line.trim().strip_prefix("--").and_then(|l| l.split_whitespace().next()) else { continue };
        if flag == "help" {
            continue;
        }
        let text = lines.next().unwrap_or_default();
        let env = text.split("[env: ").nth(1).and_then(|t| t.split(['=', ']']).next()).map(str::to_string);
        let default =
            text.split("[default: ").nth(1).and_then(|t| t.split(']').next()).map(|d| d.trim_matches('"').to_string());
        from_help.insert(format!("--{flag}"), (env.expect("every setting has a variable"), default));
    }
    assert!(from_help.len() > 20, "{help}");

    let readme = include_str!("../../README.md");
    let table = readme.split("## Configuration").nth(1).expect("a Configuration section").split("\n\n").nth(1).unwrap();
    let mut from_readme = std::collections::BTreeMap::new();
    for row in table.lines().skip(2) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let (flag, env, default) = (cells[1].trim_matches('`'), cells[2].trim_matches('`'), cells[3]);
        if flag.is_empty() {
            continue; // RUST_LOG: read by the logger, not a flag
        }
        from_readme.insert(flag.to_string(), (env.to_string(), default.to_string()));
    }
    let help_flags: Vec<_> = from_help.keys().collect();
    let readme_flags: Vec<_> = from_readme.keys().collect();
    assert_eq!(help_flags, readme_flags, "flags in --help vs the README's table");
    for (flag, (env, default)) in &from_help {
        let (readme_env, readme_default) = &from_readme[flag];
        assert_eq!(env, readme_env, "{flag}'s variable");
        if let Some(default) = default {
            assert!(
                readme_default.contains(&format!("`{default}`")),
                "{flag}: README says {readme_default}, --help {default}"
            );
        }
    }
}

/// Issue 33: the kinds agents set by hand come out as corpus rows, without
/// personal data, and `routing eval` reads them.
#[tokio::test]
async fn corrections_by_agents_export_as_corpus_rows() {
    use crate::support::*;
    let app = spawn().await;
    let agent = app.staff("agent").await;
    let f = with(&complete_fields(), "description", "卡号 6222021234567890 付电费说我户名不对，电话 13912345678");
    let (reference, _) = app.file_api(&f).await;
    let (untouched, _) = app.file_api(&complete_fields()).await;
    let ticket = agent.text(&format!("/agent/tickets/{reference}")).await;
    let version = hidden_value(&ticket, "version").unwrap();
    let res = agent
        .post(
            &format!("/agent/tickets/{reference}/facts"),
            &[
                ("version", version.as_str()),
                ("symptom", "error_shown"),
                ("failing_step", "tap_pay"),
                ("error_message", "支付失败"),
                ("kind", "product_bug"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let out = Command::new(BIN)
        .args(["routing", "export-corrections", "--since", "2020-01-01"])
        .env("DATABASE_URL", app.db.url())
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(rows.len(), 1, "only the corrected ticket ({untouched} was not): {text}");
    assert!(rows[0].starts_with("product_bug\terror_shown\ttap_pay\t"), "{}", rows[0]);
    assert!(rows[0].ends_with("\t卡号 # 付电费说我户名不对，电话 #"), "numbers masked: {}", rows[0]);
    // A later day leaves it out.
    let out = Command::new(BIN)
        .args(["routing", "export-corrections", "--since", "2999-01-01"])
        .env("DATABASE_URL", app.db.url())
        .output()
        .await
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().filter(|l| !l.starts_with('#')).count(), 0);
    // The rows are a corpus `routing eval` reads.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.tsv");
    std::fs::write(&file, &text).unwrap();
    let out = Command::new(BIN).args(["routing", "eval"]).arg(&file).output().await.unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("of 1 cases"), "{}", String::from_utf8_lossy(&out.stderr));
}
