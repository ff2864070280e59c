//! The customer's first steps, language choice, health and headers.

use crate::support::*;

#[tokio::test]
async fn the_home_page_offers_every_symptom_and_its_self_checks() {
    let app = spawn().await;
    let home = app.get_lang("/", "en").await.text().await.unwrap();
    for symptom in ["error_shown", "stuck_loading", "button_inert", "money_taken_not_paid", "other"] {
        assert!(home.contains(&format!("href=\"/help/{symptom}\"")), "{symptom}");
        let help = app.get_lang(&format!("/help/{symptom}"), "en").await;
        assert_eq!(help.status().as_u16(), 200);
        let help = help.text().await.unwrap();
        assert!(help.contains("Try these first"));
        assert!(help.contains(&format!("href=\"/tickets/new?symptom={symptom}\"")), "a way to ask for help");
    }
    let busy = app.get_lang("/help/stuck_loading", "en").await.text().await.unwrap();
    assert!(busy.contains("wait 10 to 30 minutes"));
    assert!(busy.contains("Switch network"));
    let declined = app.get_lang("/help/error_shown", "zh-CN").await.text().await.unwrap();
    assert!(declined.contains("检查余额和银行卡限额"));
    assert_eq!(app.get("/help/nonsense").await.status().as_u16(), 404);
}

#[tokio::test]
async fn the_language_follows_the_browser_and_a_remembered_choice() {
    let app = spawn().await;
    // No preference at all: Chinese, our customers' language.
    let res = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(res.contains("<html lang=\"zh-CN\">"));
    assert!(app.get_lang("/", "en-US,en;q=0.8").await.text().await.unwrap().contains("<html lang=\"en\">"));

    // Switching on the page is remembered over the browser's preference.
    let res = app.get_lang("/lang/en?next=/help/other", "zh-CN").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/help/other");
    let page = app.get_lang("/help/other", "zh-CN").await.text().await.unwrap();
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("href=\"/lang/zh-CN?next=/help/other\""));

    // Never an open redirect.
    let res = app.get("/lang/zh-CN?next=//evil.example/").await;
    assert_eq!(res.headers()["location"], "/");
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    let app = spawn().await;
    for path in ["/", "/tickets/new", "/healthz", "/nope"] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
    }
}

#[tokio::test]
async fn health_and_the_stylesheet() {
    let app = spawn().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status().as_u16(), 200);
    let css = app.get("/static/style.css").await;
    assert_eq!(css.status().as_u16(), 200);
    assert!(css.text().await.unwrap().contains("--accent"));
    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status().as_u16(), 404);
    assert!(missing.text().await.unwrap().contains("This page does not exist"));
}

/// Every page a person can reach, in both languages, with every text found.
#[tokio::test]
async fn every_page_speaks_both_languages_with_no_missing_text() {
    let app = spawn().await;
    let admin = app.staff("admin").await;
    let (reference, tracking) = app.file_api(&complete_fields()).await;
    let oos = with(&with(&with(&complete_fields(), "platform", "alipay"), "symptom", "button_inert"), "error_code", "");
    app.file_api(&oos).await;
    let res = admin
        .post("/supervisor/incidents", &[("title", "上海 outage"), ("dimension", "city"), ("value", "上海")])
        .await;
    let incident = res.headers()["location"].to_str().unwrap().to_string();
    admin.post(&format!("{incident}/update"), &[("body_zh", "正在修复"), ("body_en", "")]).await;
    let users = admin.text("/admin/users").await;
    let user_id = users.split("href=\"/admin/users/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let customer_pages = [
        "/".to_string(),
        "/help/error_shown".into(),
        "/tickets/new".into(),
        tracking.clone(),
        format!("{tracking}/created"),
    ];
    let staff_pages = [
        "/login".to_string(),
        "/agent?view=open".into(),
        format!("/agent/tickets/{reference}"),
        "/supervisor/escalations".into(),
        "/supervisor".into(),
        "/supervisor/incidents".into(),
        incident.clone(),
        "/supervisor/audit".into(),
        "/supervisor/canned".into(),
        "/admin/users".into(),
        format!("/admin/users/{user_id}"),
        "/admin/platforms".into(),
        format!("/admin/routing?reference={reference}"),
        "/admin/outbox".into(),
        "/settings".into(),
    ];
    for (lang, code) in [("zh-CN", "zh-CN"), ("en", "en")] {
        for path in customer_pages.iter().chain(staff_pages.iter()) {
            let res = admin.client.get(admin.url(path)).header("Accept-Language", lang).send().await.unwrap();
            assert_eq!(res.status().as_u16(), 200, "{path} in {lang}");
            let page = res.text().await.unwrap();
            assert!(page.contains(&format!("<html lang=\"{code}\">")), "{path} in {lang}");
            assert!(!page.contains("Unknown localization"), "{path} in {lang} misses a text");
        }
    }
}
