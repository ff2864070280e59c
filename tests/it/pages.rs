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
