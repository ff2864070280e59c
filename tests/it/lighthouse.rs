//! Lighthouse (12.2.3, mobile, Debian's chromium) on the pages people use
//! most, in both languages, on a desk with a few hundred demo tickets: every
//! category (performance, accessibility, best practices, SEO) scores at
//! least 95. The reports are kept under `target/lighthouse-reports/`.
//!
//! Needs `npm install --prefix target/lighthouse lighthouse@12.2.3`
//! (`.ci/test` installs it) and chromium.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

const CATEGORIES: [&str; 4] = ["performance", "accessibility", "best-practices", "seo"];
const MIN_SCORE: f64 = 0.95;

fn lighthouse() -> PathBuf {
    let path = std::env::var("PAYDESK_LIGHTHOUSE").map(PathBuf::from).unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/lighthouse/node_modules/.bin/lighthouse")
    });
    assert!(
        path.exists(),
        "lighthouse not found at {}; run: npm install --prefix target/lighthouse lighthouse@12.2.3",
        path.display()
    );
    path
}

/// Runs Lighthouse on one page with these cookies; returns (category,
/// score, audits that lost points) for each category.
fn audit(url: &str, cookies: &str, name: &str) -> Vec<(String, f64, Vec<String>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/lighthouse-reports");
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join(format!("{name}.json"));
    let headers = serde_json::json!({ "Cookie": cookies }).to_string();
    let chromium = std::env::var("PAYDESK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let out = Command::new(lighthouse())
        .arg(url)
        .arg("--quiet")
        .arg("--output=json")
        .arg(format!("--output-path={}", report.display()))
        .arg(format!("--only-categories={}", CATEGORIES.join(",")))
        .arg(format!("--extra-headers={headers}"))
        .arg("--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage")
        .env("CHROME_PATH", chromium)
        .output()
        .expect("lighthouse runs");
    assert!(out.status.success(), "lighthouse on {url}: {}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(json["finalDisplayedUrl"].as_str(), Some(url), "no redirect away from the page");
    CATEGORIES
        .iter()
        .map(|c| {
            let category = &json["categories"][c];
            let score = category["score"].as_f64().unwrap_or(0.0);
            let lost = category["auditRefs"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["weight"].as_f64().unwrap_or(0.0) > 0.0)
                .filter_map(|r| {
                    let audit = &json["audits"][r["id"].as_str().unwrap()];
                    let s = audit["score"].as_f64()?;
                    (s < 1.0).then(|| format!("{} ({s})", r["id"].as_str().unwrap()))
                })
                .collect();
            (c.to_string(), score, lost)
        })
        .collect()
}

/// The cookies a client holds for the app, as one `Cookie` header.
fn cookie_header(jar: &reqwest::cookie::Jar, base: &str) -> String {
    use reqwest::cookie::CookieStore;
    jar.cookies(&base.parse().unwrap()).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

#[tokio::test]
async fn the_main_pages_score_at_least_95_in_every_lighthouse_category() {
    let _alone = TIMED.lock().await;
    let app = spawn().await;
    let options = paydesk::demo::Options { tickets: 300, days: 30, screenshot_every: 10, seed: 7 };
    paydesk::demo::seed(&mut app.conn(), &options, &mut |_| {}).unwrap();
    let tracking = app.file_complete().await;

    // A supervisor's session (they see /agent and /supervisor).
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    let email = "lighthouse-supervisor@paydesk.test";
    app.add_staff(email, "主管 Lighthouse", "supervisor", &["general", "payments"]);
    let page = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf").unwrap();
    let res = client
        .post(app.url("/login"))
        .form(&[("email", email), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303, "signed in");
    let staff = cookie_header(&jar, &app.base);

    let pages = [
        ("home", "/", false),
        ("help", "/help/money_taken_not_paid", false),
        ("form", "/tickets/new", false),
        ("tracking", tracking.as_str(), false),
        ("agent", "/agent", true),
        ("supervisor", "/supervisor", true),
    ];
    let mut failures = Vec::new();
    let mut table = String::new();
    for lang in ["zh-CN", "en"] {
        for (name, path, signed_in) in pages {
            let mut cookies = format!("paydesk_lang={lang}");
            if signed_in {
                cookies = format!("{cookies}; {staff}");
            }
            let url = app.url(path);
            let mut scores = audit(&url, &cookies, &format!("{name}-{lang}"));
            // Performance is timed, and this machine runs other tests at
            // once: as Lighthouse CI does, a low first run is settled by
            // the median of three.
            if scores[0].1 < MIN_SCORE {
                let mut runs: Vec<(String, f64, Vec<String>)> = vec![scores[0].clone()];
                for run in 2..=3 {
                    runs.push(audit(&url, &cookies, &format!("{name}-{lang}-run{run}")).remove(0));
                }
                runs.sort_by(|a, b| a.1.total_cmp(&b.1));
                scores[0] = runs.swap_remove(1);
            }
            table.push_str(&format!("{name:<10} {lang:<5}"));
            for (category, score, lost) in scores {
                table.push_str(&format!(" {category} {:>3}", (score * 100.0).round()));
                if score < MIN_SCORE {
                    failures.push(format!("{name} ({lang}) {category} {score}: {}", lost.join(", ")));
                }
            }
            table.push('\n');
        }
    }
    println!("{table}");
    assert!(failures.is_empty(), "below {MIN_SCORE}:\n{}\n{table}", failures.join("\n"));
}
