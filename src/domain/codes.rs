//! The fixed vocabularies of a help request. Their string codes are the API's
//! and the database's vocabulary; their labels live in the translation files
//! under the key `<prefix>-<code>` (e.g. `step-tap_pay`).
//!
//! Each vocabulary is read and written by diesel as text: a row carries the
//! enum, and a code the program does not know is an error where the row is
//! read, never a silent default.

use crate::i18n::Lang;

/// Maps a code enum to a text column, both backends.
#[macro_export]
macro_rules! text_column {
    ($name:ty) => {
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let code = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                <$name>::parse(&code).ok_or_else(|| format!("unknown {} code {code:?}", stringify!($name)).into())
            }
        }
    };
}

/// Declares an enum whose variants each have one stable string code.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $prefix:literal { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name { $($variant),+ }

        $crate::text_column!($name);

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Prefix of this vocabulary's label keys in the translation files.
            pub const LABEL_PREFIX: &'static str = $prefix;

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// The translation key of this value's label.
            pub fn label_key(self) -> String {
                format!("{}-{}", $prefix, self.as_str())
            }

            /// This value's label in `lang`.
            pub fn label(self, lang: Lang) -> String {
                lang.t(&self.label_key())
            }

            /// The label of a code kept as free text (a statistics value,
            /// a timeline entry's body), or the text itself when it is not
            /// one of this vocabulary's codes.
            pub fn label_of(code: &str, lang: Lang) -> String {
                Self::parse(code).map(|v| v.label(lang)).unwrap_or_else(|| code.to_string())
            }
        }

        /// The API speaks the code.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&code).ok_or_else(|| serde::de::Error::custom(format!("unknown code {code:?}")))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Declares a list of codes kept in one text column, comma-separated (the
/// stored format: `a,b,c`, empty for none). A code the program does not know
/// is an error where the row is read, naming the code. Written as its
/// `Display` text (the stored form).
macro_rules! code_list {
    ($(#[$meta:meta])* $name:ident, $item:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default, diesel::deserialize::FromSqlRow)]
        pub struct $name(pub Vec<$item>);

        impl $name {
            /// Reads the stored form; an unknown code is an error naming it.
            pub fn parse(text: &str) -> Result<Self, String> {
                text.split(',')
                    .filter(|c| !c.is_empty())
                    .map(|c| $item::parse(c).ok_or_else(|| format!("unknown {} code {c:?}", stringify!($item))))
                    .collect::<Result<Vec<_>, _>>()
                    .map($name)
            }

            /// The codes, in stored order.
            pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
                self.0.iter().map(|c| c.as_str())
            }
        }

        impl std::ops::Deref for $name {
            type Target = [$item];
            fn deref(&self) -> &[$item] {
                &self.0
            }
        }

        impl From<&[$item]> for $name {
            fn from(list: &[$item]) -> Self {
                $name(list.to_vec())
            }
        }

        /// The stored form: codes joined by commas.
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                for (i, c) in self.0.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    f.write_str(c.as_str())?;
                }
                Ok(())
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                Ok($name::parse(&text)?)
            }
        }
    };
}

code_enum!(
    /// The app the payment product runs inside.
    Platform, "platform" {
        Wechat => "wechat",
        Alipay => "alipay",
        UtilityApp => "utility_app",
        BankApp => "bank_app",
        Other => "other",
    }
);

code_enum!(
    /// What was being paid. Platforms allow only some scenarios (routing).
    PaymentScenario, "scenario" {
        ElectricityBill => "electricity_bill",
        WaterBill => "water_bill",
        GasBill => "gas_bill",
        PrepaidPackage => "prepaid_package",
        OutpatientFee => "outpatient_fee",
        HospitalDeposit => "hospital_deposit",
        Other => "other",
    }
);

code_enum!(
    PaymentMethod, "method" {
        WechatPay => "wechat_pay",
        Alipay => "alipay",
        BankCard => "bank_card",
        Other => "other",
    }
);

code_enum!(
    /// The step of the payment flow at which it failed, in flow order.
    FailingStep, "step" {
        OpenOrLogin => "open_or_login",
        ChooseBill => "choose_bill",
        EnterAccount => "enter_account",
        ConfirmAmount => "confirm_amount",
        TapPay => "tap_pay",
        WalletHandoff => "wallet_handoff",
        Verification => "verification",
        ResultPage => "result_page",
    }
);

code_enum!(
    /// What the customer saw go wrong.
    Symptom, "symptom" {
        ErrorShown => "error_shown",
        StuckLoading => "stuck_loading",
        ButtonInert => "button_inert",
        MoneyTakenNotPaid => "money_taken_not_paid",
        Other => "other",
    }
);

code_enum!(
    /// Checks the customer already tried before asking for help.
    CheckTried, "check" {
        SwitchedNetwork => "switched_network",
        ReloggedIn => "relogged_in",
        // No longer offered (the wallet advice says "or another card");
        // kept so tickets filed before still read.
        OtherCard => "other_card",
        OtherWallet => "other_wallet",
        UpdatedApp => "updated_app",
        RetriedLater => "retried_later",
        SmallPurchaseTest => "small_purchase_test",
        CheckedBalance => "checked_balance",
        ClearedCache => "cleared_cache",
        CheckedBankRecord => "checked_bank_record",
        DidNotPayAgain => "did_not_pay_again",
        OtherChannel => "other_channel",
        // Nothing tried yet: an honest answer, not a missing one.
        NoneYet => "none_yet",
    }
);

code_enum!(
    /// Where a ticket is in its life. Staff move it (agent workspace);
    /// intake only ever creates `new`.
    Status, "status" {
        New => "new",
        Open => "open",
        PendingCustomer => "pending_customer",
        PendingPlatform => "pending_platform",
        Resolved => "resolved",
        Closed => "closed",
    }
);

code_enum!(
    /// Self-help steps offered before a customer files (DOMAIN.md).
    SelfCheck, "selfcheck" {
        OtherNetwork => "other_network",
        UpdateApp => "update_app",
        ClearCache => "clear_cache",
        LogInAgain => "log_in_again",
        BalanceAndLimits => "balance_and_limits",
        SmallPurchase => "small_purchase",
        RetryLater => "retry_later",
        OtherWallet => "other_wallet",
        CheckBankRecord => "check_bank_record",
        WaitForRefund => "wait_for_refund",
        OtherChannels => "other_channels",
    }
);

code_enum!(
    /// What kind of case a ticket is (DOMAIN.md, "The kinds of case"). Set
    /// by routing; `other` until then.
    CaseKind, "kind" {
        ClientConnectivity => "client_connectivity",
        LoginExpired => "login_expired",
        InsufficientFunds => "insufficient_funds",
        TimeoutBusy => "timeout_busy",
        RiskControl => "risk_control",
        DeductedNotCredited => "deducted_not_credited",
        OutOfScope => "out_of_scope",
        ProductBug => "product_bug",
        Other => "other",
    }
);

code_enum!(
    /// The team a ticket waits with; agents serve one or more.
    Queue, "queue" {
        General => "general",
        Payments => "payments",
        Refunds => "refunds",
        Platform => "platform",
        Engineering => "engineering",
    }
);

code_enum!(
    Priority, "priority" {
        Low => "low",
        Normal => "normal",
        High => "high",
        Urgent => "urgent",
    }
);

code_enum!(
    /// What a staff member may do: each role can do all the one before can.
    Role, "role" {
        Agent => "agent",
        Supervisor => "supervisor",
        Admin => "admin",
    }
);

code_enum!(
    /// Where an incident is in its life: proposed by spike detection and
    /// waiting for a supervisor, open, resolved, or dismissed (a proposal
    /// turned down).
    IncidentStatus, "inc-status" {
        Proposed => "proposed",
        Open => "open",
        Resolved => "resolved",
        Dismissed => "dismissed",
    }
);

code_enum!(
    /// Where an escalation is: waiting for a supervisor's review, sent to
    /// its target, sent back, or answered.
    EscalationStatus, "esc-status" {
        PendingReview => "pending_review",
        Sent => "sent",
        SentBack => "sent_back",
        Approved => "approved",
        Declined => "declined",
    }
);

code_enum!(
    /// Who an escalation goes to.
    EscalationTarget, "esc-target" {
        Platform => "platform",
        Engineering => "engineering",
        Provider => "provider",
    }
);

code_enum!(
    /// Where a queued message is.
    MailStatus, "outbox-status" {
        Pending => "pending",
        Sent => "sent",
        Dead => "dead",
    }
);

code_enum!(
    /// What a timeline entry records. Some are shown to the customer
    /// (out of scope, platform answer, incident update, retention), others to
    /// staff only (escalated, incident linked/unlinked).
    EventKind, "event" {
        Created => "created",
        CustomerMessage => "customer_message",
        StatusChanged => "status_changed",
        PublicReply => "public_reply",
        InternalNote => "internal_note",
        InfoRequested => "info_requested",
        Assigned => "assigned",
        PriorityChanged => "priority_changed",
        Merged => "merged",
        OutOfScope => "out_of_scope",
        Escalated => "escalated",
        EscalationSentBack => "escalation_sent_back",
        PlatformAnswer => "platform_answer",
        IncidentLinked => "incident_linked",
        IncidentUnlinked => "incident_unlinked",
        IncidentUpdate => "incident_update",
        Retention => "retention",
        Rerouted => "rerouted",
        FactsAdded => "facts_added",
        PaymentChecked => "payment_checked",
        PaymentFound => "payment_found",
        RefundUpdate => "refund_update",
        Complaint => "complaint",
        Rated => "rated",
    }
);

code_enum!(
    /// What a check of the payment at its provider found (issue 17).
    /// `pending`: asked, no answer yet; `not_paid`: not paid, closed
    /// unpaid, revoked or failed (no money moved); `not_found`: the
    /// provider knows no such payment; `unverified`: an answer whose
    /// signature or time did not check out (never acted on); `error`: the
    /// provider could not be asked, or answered with an error.
    CheckState, "check-state" {
        Pending => "pending",
        Paid => "paid",
        NotPaid => "not_paid",
        Refunding => "refunding",
        Refunded => "refunded",
        NotFound => "not_found",
        Unverified => "unverified",
        Error => "error",
    }
);

code_enum!(
    /// Where a refund is: asked for, under way at the provider, arrived,
    /// closed without arriving, or stuck (`abnormal`: it could not reach the
    /// card; the customer must be contacted).
    RefundState, "refund-state" {
        Requested => "requested",
        Processing => "processing",
        Succeeded => "succeeded",
        Closed => "closed",
        Abnormal => "abnormal",
    }
);

impl RefundState {
    /// Whether the provider will not change it any more.
    pub fn is_final(self) -> bool {
        matches!(self, RefundState::Succeeded | RefundState::Closed)
    }
}

code_enum!(
    /// What the merchant's own order system says of the bill (`unknown`:
    /// it knows no such bill).
    BillState, "bill-state" {
        Credited => "credited",
        NotCredited => "not_credited",
        Unknown => "unknown",
    }
);

code_enum!(
    /// Who wrote a timeline entry.
    EventAuthor, "author" {
        Customer => "customer",
        Staff => "staff",
        System => "system",
    }
);

code_enum!(
    /// What a queued message is: to a customer (received, reply, info
    /// request, resolved, platform answer, incident update), to supervisors
    /// (SLA breach, escalation waiting, spike alert) or to an escalation's
    /// recipient (the packet). Its texts are `mail-<code>-…`.
    /// (`webhook` is not an email: a webhook delivery, its body in the
    /// outbox row's `payload`.)
    MailKind, "mail" {
        Received => "received",
        Reply => "reply",
        InfoRequest => "info_request",
        Resolved => "resolved",
        PlatformAnswer => "platform_answer",
        SlaBreach => "sla_breach",
        EscalationWaiting => "escalation_waiting",
        EscalationPacket => "escalation_packet",
        SpikeAlert => "spike_alert",
        IncidentUpdate => "incident_update",
        PaymentFound => "payment_found",
        Webhook => "webhook",
        FreshLink => "fresh_link",
        InboundUnmatched => "inbound_unmatched",
        Complaint => "complaint",
        FindCode => "find_code",
        ComplaintReceived => "complaint_received",
    }
);

code_enum!(
    /// How a customer asked to be reached: by SMS, by email, or both.
    ContactChannel, "channel" {
        Sms => "sms",
        Email => "email",
        Both => "both",
    }
);

impl ContactChannel {
    pub fn by_sms(self) -> bool {
        matches!(self, ContactChannel::Sms | ContactChannel::Both)
    }

    pub fn by_email(self) -> bool {
        matches!(self, ContactChannel::Email | ContactChannel::Both)
    }

    /// Where a message goes: (email, phone), each when chosen and given
    /// (blank once anonymised).
    pub fn reach<'a>(self, email: &'a str, phone: &'a str) -> (Option<&'a str>, Option<&'a str>) {
        ((self.by_email() && !email.is_empty()).then_some(email), (self.by_sms() && !phone.is_empty()).then_some(phone))
    }
}

code_enum!(
    /// Where an SMS is: waiting (for its time, quiet hours or a cap); sent
    /// with no answer from the provider (a timeout: its delivery receipt
    /// settles it, it is not sent again blindly); accepted by the provider;
    /// delivered or not, as the carrier's receipt says; refused for good by
    /// the provider (a bad number, a blocked word); or given up after too
    /// many failures.
    SmsStatus, "sms-status" {
        Pending => "pending",
        Unsettled => "unsettled",
        Sent => "sent",
        Delivered => "delivered",
        Undelivered => "undelivered",
        Refused => "refused",
        Dead => "dead",
    }
);

code_enum!(
    /// What became of an email that came in over IMAP (src/inbound), as the
    /// admins' inbound log shows it: from the ticket's customer (their
    /// message on the ticket); about a ticket from another address (an
    /// internal note, trusted to change nothing); an answer to an
    /// escalation's packet (shown to supervisors to confirm); an auto-reply, bounce or
    /// list message (never answered); matching no ticket (the sender gets
    /// the form's link, once a day: then quiet); over the size limit (not
    /// read); refused (its ticket anonymised or full of screenshots).
    InboundOutcome, "inbound" {
        CustomerReply => "customer_reply",
        OtherSender => "other_sender",
        PlatformAnswer => "platform_answer",
        AutoReply => "auto_reply",
        Unmatched => "unmatched",
        UnmatchedQuiet => "unmatched_quiet",
        TooLarge => "too_large",
        Refused => "refused",
    }
);

code_enum!(
    /// What an incident update told the customers it holds.
    UpdateKind, "inc-kind" {
        Update => "update",
        Resolution => "resolution",
    }
);

code_list!(
    /// What the customer tried before asking (`tickets.checks_tried`).
    Checks, CheckTried
);

code_list!(
    /// The queues a staff member works (`users.queues`).
    Queues, Queue
);

impl Role {
    /// Whether this role includes everything `needed` may do.
    pub fn includes(self, needed: Role) -> bool {
        self >= needed
    }
}

impl Status {
    /// Still needs someone's work (the "all open" view, workloads, metrics).
    pub const OPEN: [Status; 4] = [Status::New, Status::Open, Status::PendingCustomer, Status::PendingPlatform];
    /// Waiting on us, not on the customer or the platform (an agent's own
    /// views).
    pub const ACTIVE: [Status; 2] = [Status::New, Status::Open];
    /// Where an agent's public reply may leave a ticket, the usual first:
    /// waiting on the customer, still open, or resolved.
    pub const AFTER_REPLY: [Status; 3] = [Status::PendingCustomer, Status::Open, Status::Resolved];

    pub fn is_open(self) -> bool {
        Status::OPEN.contains(&self)
    }

    /// Statuses an agent may set by hand. `pending_platform` comes only with
    /// an escalation, `new` only with intake; a closed ticket stays closed.
    pub fn can_be_set_by_staff(self, to: Status) -> bool {
        self != Status::Closed
            && self != to
            && matches!(to, Status::Open | Status::PendingCustomer | Status::Resolved | Status::Closed)
    }

    /// A customer's reply puts a ticket that waited on them, or that was
    /// resolved or closed, back in front of an agent (the tracking page and
    /// the auto-close notice promise a closed request reopens when they
    /// write). A ticket merged into another stays closed: the work goes on
    /// there.
    pub fn after_customer_reply(self, merged: bool) -> Status {
        match self {
            Status::Closed if merged => Status::Closed,
            Status::PendingCustomer | Status::Resolved | Status::Closed => Status::Open,
            other => other,
        }
    }
}

impl SelfCheck {
    /// The box a customer ticks once they followed this advice: the form
    /// asks about exactly what the help page told them to try.
    pub fn tried(self) -> CheckTried {
        use CheckTried as T;
        match self {
            SelfCheck::OtherNetwork => T::SwitchedNetwork,
            SelfCheck::UpdateApp => T::UpdatedApp,
            SelfCheck::ClearCache => T::ClearedCache,
            SelfCheck::LogInAgain => T::ReloggedIn,
            SelfCheck::BalanceAndLimits => T::CheckedBalance,
            SelfCheck::SmallPurchase => T::SmallPurchaseTest,
            SelfCheck::RetryLater => T::RetriedLater,
            SelfCheck::OtherWallet => T::OtherWallet,
            SelfCheck::CheckBankRecord => T::CheckedBankRecord,
            SelfCheck::WaitForRefund => T::DidNotPayAgain,
            SelfCheck::OtherChannels => T::OtherChannel,
        }
    }
}

impl CaseKind {
    /// What a customer can try alone for a kind they can fix themselves,
    /// most likely fix first; empty for the kinds only we can act on.
    pub fn self_checks(self) -> &'static [SelfCheck] {
        use SelfCheck::*;
        match self {
            CaseKind::InsufficientFunds => &[BalanceAndLimits, SmallPurchase, OtherWallet],
            CaseKind::TimeoutBusy => &[RetryLater, OtherWallet, OtherChannels],
            CaseKind::ClientConnectivity => &[OtherNetwork, UpdateApp, ClearCache, OtherWallet],
            CaseKind::LoginExpired => &[LogInAgain, UpdateApp],
            _ => &[],
        }
    }

    /// The steps of `self_checks` the customer has not told us they tried:
    /// advice already followed is never given again.
    pub fn steps_left(self, tried: &[CheckTried]) -> Vec<SelfCheck> {
        let done = |s: SelfCheck| {
            tried.contains(&s.tried()) || (s == SelfCheck::OtherWallet && tried.contains(&CheckTried::OtherCard))
        };
        self.self_checks().iter().copied().filter(|s| !done(*s)).collect()
    }
}

impl Symptom {
    /// The boxes the form offers for this symptom: what its help page
    /// advised, in the same order, then "none of these yet".
    pub fn checks_offered(self) -> Vec<CheckTried> {
        self.self_checks().iter().map(|s| s.tried()).chain([CheckTried::NoneYet]).collect()
    }

    /// The self-checks that fit this symptom, most likely fix first.
    pub fn self_checks(self) -> &'static [SelfCheck] {
        use SelfCheck::*;
        match self {
            Symptom::ErrorShown => {
                &[BalanceAndLimits, LogInAgain, OtherNetwork, RetryLater, OtherWallet, SmallPurchase]
            }
            Symptom::StuckLoading => &[OtherNetwork, RetryLater, UpdateApp, ClearCache, OtherWallet],
            Symptom::ButtonInert => &[UpdateApp, LogInAgain, OtherChannels],
            Symptom::MoneyTakenNotPaid => &[CheckBankRecord, WaitForRefund],
            Symptom::Other => &[OtherNetwork, LogInAgain, UpdateApp, RetryLater],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_to_its_value() {
        for s in FailingStep::ALL {
            assert_eq!(FailingStep::parse(s.as_str()), Some(*s));
        }
        for s in Symptom::ALL {
            assert_eq!(Symptom::parse(s.as_str()), Some(*s));
            assert!(!s.self_checks().is_empty());
        }
        assert_eq!(CheckTried::parse("switched_network"), Some(CheckTried::SwitchedNetwork));
        // Every check the form asks about is advice we gave (issue 29, 2),
        // and every box but "none yet" is some advice followed.
        for c in CheckTried::ALL.iter().filter(|c| ![CheckTried::NoneYet, CheckTried::OtherCard].contains(c)) {
            assert!(SelfCheck::ALL.iter().any(|s| s.tried() == *c), "{c:?} is advice we give");
        }
        let money = Symptom::MoneyTakenNotPaid.checks_offered();
        assert_eq!(money, [CheckTried::CheckedBankRecord, CheckTried::DidNotPayAgain, CheckTried::NoneYet]);
        assert!(!money.contains(&CheckTried::RetriedLater), "we told them not to pay again");
        assert!(Symptom::ErrorShown.checks_offered().contains(&CheckTried::CheckedBalance));
        assert_eq!(CheckTried::parse("Switched_Network"), None);
        assert_eq!(Status::New.label_key(), "status-new");
    }

    #[test]
    fn roles_include_the_ones_below() {
        assert!(Role::Admin.includes(Role::Supervisor));
        assert!(Role::Supervisor.includes(Role::Agent));
        assert!(!Role::Agent.includes(Role::Supervisor));
        assert!(!Role::Supervisor.includes(Role::Admin));
    }

    #[test]
    fn staff_status_changes() {
        assert!(Status::New.can_be_set_by_staff(Status::Open));
        assert!(Status::Open.can_be_set_by_staff(Status::PendingCustomer));
        assert!(Status::Resolved.can_be_set_by_staff(Status::Open));
        assert!(!Status::Open.can_be_set_by_staff(Status::New));
        assert!(!Status::Open.can_be_set_by_staff(Status::PendingPlatform));
        assert!(!Status::Closed.can_be_set_by_staff(Status::Open));
        assert!(!Status::Open.can_be_set_by_staff(Status::Open));
    }

    #[test]
    fn advice_already_followed_is_not_given_again() {
        use CheckTried::*;
        let busy = CaseKind::TimeoutBusy;
        assert_eq!(busy.steps_left(&[]), busy.self_checks());
        assert_eq!(busy.steps_left(&[RetriedLater]), [SelfCheck::OtherWallet, SelfCheck::OtherChannels]);
        assert!(busy.steps_left(&[RetriedLater, OtherWallet, OtherChannel]).is_empty());
        assert_eq!(CaseKind::InsufficientFunds.steps_left(&[OtherCard]).len(), 2, "another card is another wallet");
        assert!(CaseKind::DeductedNotCredited.steps_left(&[]).is_empty(), "only we can act");
    }

    #[test]
    fn a_customer_reply_reopens_what_waited_on_them_or_was_closed() {
        assert_eq!(Status::PendingCustomer.after_customer_reply(false), Status::Open);
        assert_eq!(Status::Resolved.after_customer_reply(false), Status::Open);
        assert_eq!(Status::Closed.after_customer_reply(false), Status::Open);
        assert_eq!(Status::New.after_customer_reply(false), Status::New);
        assert_eq!(Status::PendingPlatform.after_customer_reply(false), Status::PendingPlatform);
        assert_eq!(Status::Closed.after_customer_reply(true), Status::Closed, "merged away: the other ticket goes on");
    }
}
