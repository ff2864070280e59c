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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_worded_for_staff_in_both_languages() {
        assert_eq!(status(Lang::En, Status::PendingCustomer), "Waiting on the customer");
        assert_eq!(status(Lang::ZhCn, Status::PendingCustomer), "等待客户回复");
        for s in Status::ALL {
            for lang in Lang::ALL {
                assert_ne!(status(lang, *s), format!("staff-{}", s.label_key()), "a staff label for {s}");
            }
        }
    }
}
