//! The web form: `GET /tickets/new`, `POST /tickets`, as a customer uses it.

use crate::support::*;
use diesel::prelude::*;
use paydesk::db::schema::tickets as tickets_table;

/// How many tickets are stored.
fn tickets(app: &TestApp) -> i64 {
    tickets_table::table.count().get_result(&mut app.conn()).unwrap()
}

/// The value of the hidden `screenshot_token` field on a refused form.
fn kept_token(page: &str) -> Option<String> {
    let start = page.find("name=\"screenshot_token\" value=\"")? + "name=\"screenshot_token\" value=\"".len();
    Some(page[start..].split('"').next()?.to_string())
}

#[tokio::test]
async fn a_complete_request_leads_to_its_reference_and_private_link() {
    let app = spawn().await;
    let res = app.form_file(form(&complete_fields(), Some(png_part("error.png", samples::png()))), "en").await;
    assert_eq!(res.status().as_u16(), 303);
    let created = res.headers()["location"].to_str().unwrap().to_string();
    assert!(created.starts_with("/t/") && created.ends_with("/created"), "{created}");
    let token = created.trim_start_matches("/t/").trim_end_matches("/created");
    assert!(token.len() >= 43, "at least 256 bits, base64: {token}");

    let page = app.get_lang(&created, "en").await.text().await.unwrap();
    assert!(page.contains("Request received"));
    assert!(page.contains("What happens next"));
    let reference = page.split("id=\"reference\">").nth(1).unwrap().split('<').next().unwrap();
    assert!(reference.starts_with("PD-"), "{reference}");
    assert!(page.contains(&format!("{}/t/{token}", app.base)), "the absolute private link is shown");

    // The token is stored only as a hash.
    let dump = app.db.dump();
    assert!(dump.contains(reference));
    assert!(!dump.contains(token), "the tracking token itself is never stored");
}

#[tokio::test]
async fn the_full_account_number_is_never_stored_or_shown() {
    let app = spawn().await;
    let full = "310012344821";
    let fields = with(&complete_fields(), "account_number", "3100-1234-4821");
    let res = app.form_file(form(&fields, Some(png_part("e.png", samples::png()))), "en").await;
    let tracking = res.headers()["location"].to_str().unwrap().trim_end_matches("/created").to_string();
    let page = app.get(&tracking).await.text().await.unwrap();
    assert!(page.contains("31******4821"));
    assert!(!page.contains(full) && !page.contains("3100-1234"));

    // A refused form shows the masked form back, never the full number.
    let refused = app.form_file(form(&with(&fields, "city", ""), None), "en").await;
    assert_eq!(refused.status().as_u16(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("value=\"31******4821\""));
    assert!(!refused.contains(full) && !refused.contains("3100-1234"));

    let dump = app.db.dump();
    assert!(dump.contains("31******4821"));
    assert!(!dump.contains(full), "the full account number reached the database");
    assert!(!dump.contains("3100-1234"));
}

#[tokio::test]
async fn a_refused_form_keeps_every_value_and_says_what_to_fix() {
    let app = spawn().await;
    let fields = with(&with(&complete_fields(), "contact_email", "li.wei@"), "platform", "");
    let res = app.form_file(form(&fields, None), "en").await;
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().await.unwrap();
    // Problems, in a summary and next to their fields.
    assert!(page.contains("error-summary"));
    assert!(page.contains("<a href=\"#f-platform\">App you were paying in: Please choose one.</a>"));
    assert!(page.contains("id=\"contact_email-error\"><p>Please enter a valid email address"));
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(page.contains("id=\"screenshot-error\"><p>Add a screenshot of the error message."));
    // Everything typed is still there.
    assert!(page.contains("value=\"li.wei@\""));
    assert!(page.contains("value=\"上海\""));
    assert!(page.contains("value=\"E1003\""));
    assert!(page.contains("value=\"支付失败\""));
    assert!(page.contains("<option value=\"tap_pay\" selected>"));
    assert!(page.contains("<option value=\"electricity_bill\" selected>"));
    assert!(page.contains("value=\"switched_network\" checked"));
    assert!(page.contains("value=\"other_card\" checked"));
    assert!(!page.contains("value=\"updated_app\" checked"));
    assert!(page.contains(">Tried twice this morning.</textarea>"));
}

#[tokio::test]
async fn a_chosen_screenshot_survives_a_failed_submit() {
    let app = spawn().await;
    let png = samples::png();
    let missing_email = with(&complete_fields(), "contact_email", "");
    let res = app.form_file(form(&missing_email, Some(png_part("my-error.png", png.clone()))), "en").await;
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Your screenshot my-error.png is kept."));
    let token = kept_token(&page).expect("the refused form carries the kept screenshot");

    // Second try: no file chosen again, only the missing email added.
    let mut fields = complete_fields();
    fields.push(("screenshot_token", token.clone()));
    let res = app.form_file(form(&fields, None), "en").await;
    assert_eq!(res.status().as_u16(), 303, "accepted with the kept screenshot");
    let tracking = res.headers()["location"].to_str().unwrap().trim_end_matches("/created").to_string();
    let page = app.get(&tracking).await.text().await.unwrap();
    let src = page.split("<img src=\"").nth(1).unwrap().split('"').next().unwrap();
    let image = app.get(src).await;
    assert_eq!(image.status().as_u16(), 200);
    assert_eq!(image.bytes().await.unwrap().to_vec(), png);

    // The kept copy was used up with the ticket.
    let again = app.form_file(form(&fields, None), "en").await;
    assert_eq!(again.status().as_u16(), 422);
    let again = again.text().await.unwrap();
    assert!(again.contains("Your earlier screenshot has expired. Please choose it again."));
}

#[tokio::test]
async fn a_kept_screenshot_that_fails_again_is_kept_again() {
    let app = spawn().await;
    let first =
        app.form_file(form(&with(&complete_fields(), "city", ""), Some(png_part("a.png", samples::png()))), "en").await;
    let token = kept_token(&first.text().await.unwrap()).unwrap();
    let mut fields = with(&complete_fields(), "contact_email", "");
    fields.push(("screenshot_token", token.clone()));
    let second = app.form_file(form(&fields, None), "en").await.text().await.unwrap();
    assert_eq!(kept_token(&second), Some(token), "still kept, still the same");
    assert!(!second.contains("screenshot-error"));
}

#[tokio::test]
async fn markup_in_any_text_field_is_shown_as_text() {
    let app = spawn().await;
    let evil = "<script>alert(1)</script>";
    let mut fields = complete_fields();
    for name in ["city", "error_code", "error_message", "description"] {
        fields = with(&fields, name, &format!("{evil}{}", if name == "city" { "" } else { "\"'&" }));
    }
    // Fields shown back on a refused form, including ones refused for
    // their format.
    let mut shown_back = with(&fields, "contact_email", "\"><img src=x onerror=alert(1)>");
    shown_back = with(&shown_back, "order_number", evil);
    shown_back = with(&shown_back, "amount", "<b>1</b>");
    shown_back = with(&shown_back, "occurred_at", evil);
    let refused = app.form_file(form(&shown_back, None), "en").await;
    assert_eq!(refused.status().as_u16(), 422);
    let refused = refused.text().await.unwrap();
    assert!(!refused.contains(evil) && !refused.contains("<img src=x") && !refused.contains("<b>1"));
    assert!(refused.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));

    let res = app.form_file(form(&fields, Some(png_part("e.png", samples::png()))), "en").await;
    assert_eq!(res.status().as_u16(), 303);
    let tracking = res.headers()["location"].to_str().unwrap().trim_end_matches("/created").to_string();
    let page = app.get(&tracking).await.text().await.unwrap();
    assert!(!page.contains(evil), "markup reached the page unescaped");
    assert!(page.matches("&#60;script&#62;alert(1)&#60;/script&#62;").count() >= 4);

    // The tracking page's own form shows a refused message escaped too.
    let msg = reqwest::multipart::Form::new().text("message", "\u{202E}".to_string() + evil);
    let res = app.post_multipart(&format!("{tracking}/messages"), msg, "en").await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(!res.text().await.unwrap().contains(evil));
}

#[tokio::test]
async fn the_form_speaks_both_languages() {
    let app = spawn().await;
    let zh = app.get_lang("/tickets/new", "zh-CN,zh;q=0.9").await.text().await.unwrap();
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    assert!(zh.contains("提交求助") && zh.contains("户号"));
    let en = app.get_lang("/tickets/new", "en-GB,en;q=0.9").await.text().await.unwrap();
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("Send my request") && en.contains("Account number"));

    // Errors in the page's language.
    let res = app.form_file(form(&with(&complete_fields(), "city", ""), None), "zh-CN").await;
    let page = res.text().await.unwrap();
    assert!(page.contains("请填写此项。"));
    assert!(page.contains("请添加错误提示的截图。"));
}

#[tokio::test]
async fn the_symptom_picked_on_the_help_page_is_already_chosen() {
    let app = spawn().await;
    let page = app.get_lang("/tickets/new?symptom=button_inert", "en").await.text().await.unwrap();
    assert!(page.contains("<option value=\"button_inert\" selected>"));
    // An unknown one is simply not chosen.
    let page = app.get_lang("/tickets/new?symptom=%3Cscript%3E", "en").await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(!page.text().await.unwrap().contains("<script>"));
}

#[tokio::test]
async fn an_oversized_form_gets_a_clear_413_page() {
    let app = spawn_with(|c| c.max_screenshot_bytes = 64 * 1024).await;
    let mut huge = samples::png();
    huge.resize(1024 * 1024, 0);
    let res = app.form_file(form(&complete_fields(), Some(png_part("huge.png", huge))), "en").await;
    assert_eq!(res.status().as_u16(), 413);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = res.text().await.unwrap();
    assert!(page.contains("您发送的内容太大") && page.contains("What you sent is too large"));
}

/// The language button posts the form: the page comes back in the other
/// language with everything typed, the chosen screenshot kept, the problems
/// of a refused form shown again in the new language, and nothing filed.
#[tokio::test]
async fn switching_language_keeps_what_was_typed_and_the_screenshot() {
    let app = spawn().await;
    let png = samples::png();
    // A fresh form: a screenshot chosen, the email not yet typed.
    let mut fields = with(&complete_fields(), "contact_email", "");
    fields.push(("switch_lang", "en".into()));
    let res = app.form_file(form(&fields, Some(png_part("my-error.png", png.clone()))), "zh-CN").await;
    assert_eq!(res.status().as_u16(), 200, "a fresh form is not refused by switching");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("paydesk_lang=en"), "the choice is remembered: {cookie}");
    let page = res.text().await.unwrap();
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("Ask for help"), "the form, in English");
    assert!(!page.contains("error-summary"), "no problems on a form not yet sent");
    assert!(page.contains("value=\"上海\"") && page.contains("value=\"E1003\""));
    assert!(page.contains("value=\"switched_network\" checked"));
    assert!(page.contains(">Tried twice this morning.</textarea>"));
    assert!(page.contains("Your screenshot my-error.png is kept."));
    let token = kept_token(&page).expect("the screenshot is kept as on a refused form");
    // The switch button is the form's own, pointing back to Chinese.
    assert!(page.contains("form=\"intake\" name=\"switch_lang\" value=\"zh-CN\""));
    assert_eq!(tickets(&app), 0, "switching files nothing");

    // A refused form switched back: its problems come back, in Chinese.
    let mut refused = with(&complete_fields(), "contact_email", "li.wei@");
    refused.push(("screenshot_token", token.clone()));
    let res = app.form_file(form(&refused, None), "en").await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("name=\"refused\" value=\"1\""));
    refused.push(("refused", "1".into()));
    refused.push(("switch_lang", "zh-CN".into()));
    let res = app.form_file(form(&refused, None), "en").await;
    assert_eq!(res.status().as_u16(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("<html lang=\"zh-CN\">"));
    assert!(page.contains("error-summary") && page.contains("id=\"contact_email-error\""));
    assert!(page.contains("value=\"li.wei@\""));
    assert_eq!(kept_token(&page), Some(token.clone()), "still the same kept screenshot");

    // And it files with that screenshot once corrected.
    let mut fixed = complete_fields();
    fixed.push(("screenshot_token", token));
    let res = app.form_file(form(&fixed, None), "zh-CN").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(tickets(&app), 1);
}

/// Switching language files nothing and, without a new file, is not held
/// to the filing limit; a switch that uploads a screenshot (kept a day on
/// disk) is, so the button cannot fill the disk.
#[tokio::test]
async fn switching_counts_against_the_filing_limit_only_when_it_uploads() {
    let app = spawn_with(|c| c.intake_per_minute = 2).await;
    let mut fields = complete_fields();
    fields.push(("switch_lang", "en".into()));
    for n in 0..4 {
        let res = app.form_file(form(&fields, None), "zh-CN").await;
        assert_eq!(res.status().as_u16(), 200, "switch {n} without a file");
    }
    let mut codes = Vec::new();
    for _ in 0..3 {
        let res = app.form_file(form(&fields, Some(png_part("e.png", samples::png()))), "zh-CN").await;
        codes.push(res.status().as_u16());
    }
    assert_eq!(codes, [200, 200, 429], "uploads count");
}

/// Pages without a form switch by link, back to the same address with its
/// query (less any `lang` parameter, which would override the choice).
#[tokio::test]
async fn the_language_link_comes_back_to_the_same_address() {
    let app = spawn().await;
    let page = app.get("/help/money_taken_not_paid?lang=en&from=home").await.text().await.unwrap();
    assert!(page.contains("href=\"/lang/zh-CN?next=/help/money_taken_not_paid%3Ffrom%3Dhome\""), "{page}");
    let res = app.get("/lang/zh-CN?next=/help/money_taken_not_paid%3Ffrom%3Dhome").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/help/money_taken_not_paid?from=home");
    let page = app.get("/help/money_taken_not_paid?from=home").await.text().await.unwrap();
    assert!(page.contains("<html lang=\"zh-CN\">"), "the choice is remembered");
}

/// Markers follow the completeness model once the symptom is known; before,
/// they say which symptoms need the fact. The money-taken section folds
/// away unless the symptom needs it.
#[tokio::test]
async fn markers_and_sections_follow_the_chosen_symptom() {
    let app = spawn().await;
    let marker = |page: &str, field: &str| -> String {
        let label = page.split(&format!("<label for=\"{field}\">")).nth(1).unwrap();
        let span = label.split("<span class=\"marker\"").nth(1).unwrap();
        span.split('>').nth(1).unwrap().split('<').next().unwrap().to_string()
    };
    let money = app.get_lang("/tickets/new?symptom=money_taken_not_paid", "en").await.text().await.unwrap();
    assert_eq!(marker(&money, "amount"), "(required)");
    assert_eq!(marker(&money, "order_number"), "(required)");
    assert_eq!(marker(&money, "screenshot"), "(optional)");
    assert!(money.contains("id=\"money\" data-required-for=\"money_taken_not_paid\" open>"));

    let error = app.get_lang("/tickets/new?symptom=error_shown", "en").await.text().await.unwrap();
    assert_eq!(marker(&error, "screenshot"), "(required)");
    assert_eq!(marker(&error, "error_code"), "(this or the message: required)");
    assert_eq!(marker(&error, "amount"), "(optional)");
    assert!(error.contains("id=\"money\" data-required-for=\"money_taken_not_paid\">"), "folded");

    let stuck = app.get_lang("/tickets/new?symptom=stuck_loading", "zh-CN").await.text().await.unwrap();
    assert_eq!(marker(&stuck, "screenshot"), "(选填)");
    assert_eq!(marker(&stuck, "amount"), "(选填)");

    // No symptom yet: the marker names the symptoms that need the fact, and
    // carries the words for each case for the form's script.
    let any = app.get_lang("/tickets/new", "en").await.text().await.unwrap();
    assert!(marker(&any, "amount").starts_with("(required if: "), "{}", marker(&any, "amount"));
    assert!(any.contains(
        "data-required-for=\"money_taken_not_paid\" data-required=\"(required)\" data-optional=\"(optional)\""
    ));
    // A refused form opens the section where something needs fixing.
    let refused = with(&with(&complete_fields(), "symptom", "stuck_loading"), "amount", "12.345");
    let page = app.form_file(form(&refused, None), "en").await.text().await.unwrap();
    assert!(page.contains("id=\"money\" data-required-for=\"money_taken_not_paid\" open>"));
    assert_eq!(app.get("/static/form.js").await.status().as_u16(), 200);
}
