//! Staff pages speak about the customer, not to them: the status a
//! customer reads as "Waiting for your answer" is "Waiting on the customer"
//! to an agent, "You wrote" is "Customer wrote". The staff texts are their
//! own messages (`staff.ftl`); customer pages keep theirs.

use crate::db::tickets::{event_kind, Event};
use crate::domain::codes::Status;
use crate::i18n::Lang;
use crate::web::tracking::{event_view, EventView};

/// A status as staff read it.
pub fn status(lang: Lang, s: Status) -> String {
    lang.t(&format!("staff-{}", s.label_key()))
}

/// A timeline entry as staff read it: the customer's own entries and what
/// was said to them are described in the third person.
pub fn event(lang: Lang, e: Event) -> EventView {
    let (kind, body) = (e.kind, e.body.clone());
    let mut view = event_view(lang, e);
    if let Some(title) = lang.try_t(&format!("staff-event-{kind}")) {
        view.title = title;
    }
    match kind {
        event_kind::STATUS_CHANGED => view.body = Status::parse(&body).map(|s| status(lang, s)).unwrap_or(body),
        event_kind::OUT_OF_SCOPE => view.body = lang.t("staff-guide-out_of_scope"),
        _ => {}
    }
    view
}

/// The facts list's labels as staff read them ("Checks the customer
/// tried", not "Checks you already tried"); values unchanged.
pub fn facts(lang: Lang, rows: Vec<(String, String)>) -> Vec<(String, String)> {
    const OWN: [&str; 4] = ["checks_tried", "payment_scenario", "platform", "description"];
    let renamed: Vec<(String, String)> =
        OWN.iter().map(|f| (lang.t(&format!("field-{f}")), lang.t(&format!("staff-field-{f}")))).collect();
    rows.into_iter()
        .map(|(label, value)| {
            let label =
                renamed.iter().find(|(customer, _)| *customer == label).map(|(_, s)| s.clone()).unwrap_or(label);
            (label, value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_worded_for_staff_in_both_languages() {
        assert_eq!(status(Lang::En, Status::PendingCustomer), "Waiting on the customer");
        assert_eq!(status(Lang::ZhCn, Status::PendingCustomer), "等待客户回复");
        let rows = vec![(Lang::En.t("field-checks_tried"), "Restarted".to_string())];
        assert_eq!(facts(Lang::En, rows), vec![("Checks the customer tried".to_string(), "Restarted".to_string())]);
        for s in Status::ALL {
            for lang in Lang::ALL {
                assert_ne!(status(lang, *s), format!("staff-{}", s.label_key()), "a staff label for {s}");
            }
        }
    }
}
