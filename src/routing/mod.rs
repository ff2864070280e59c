//! Routing: which kind of case a ticket is, which queue and priority it gets,
//! and when it is due. The rules are data (`default_rules.toml`, or the file
//! named by `PAYDESK_RULES`), loaded and checked at start; this module is
//! the pure engine that applies them, with a test for every default rule.

use std::collections::HashSet;

use chrono::Duration;
use serde::Deserialize;

use crate::domain::codes::{
    BillState, CaseKind, CheckState, CheckTried, FailingStep, PaymentMethod, Priority, Queue, Symptom,
};
use crate::domain::complaint::ComplaintRules;
use crate::domain::spikes::SpikeRules;

pub mod eval;
pub mod learn;
pub mod model;
/// Text is read one way for routing and for word search alike.
pub use crate::domain::normalize;
pub mod vocabulary;

pub use vocabulary::{Reading, Source, Vocabulary, Words};

pub const DEFAULT_RULES: &str = include_str!("default_rules.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    sla: SlaFile,
    #[serde(default)]
    spikes: SpikeRules,
    #[serde(default)]
    complaint: ComplaintRules,
    #[serde(rename = "rule")]
    rules: Vec<RuleFile>,
    #[serde(default, rename = "payment")]
    payment: Vec<PaymentRuleFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentRuleFile {
    name: String,
    when: PaymentWhenFile,
    kind: Option<String>,
    queue: Option<String>,
    priority: Option<String>,
    #[serde(default)]
    escalate: bool,
    #[serde(default)]
    reroute: bool,
    tell: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentWhenFile {
    state: Vec<String>,
    bill: Option<Vec<String>>,
}

/// What paydesk does with a verified payment check (issue 17).
#[derive(Debug, Clone)]
pub struct PaymentRule {
    pub name: String,
    pub states: Vec<CheckState>,
    /// The bill's states it applies to; `None`: whatever the order system said.
    pub bills: Option<Vec<BillState>>,
    /// Set the kind, queue and priority (all three or none).
    pub route: Option<(CaseKind, Queue, Priority)>,
    /// Escalate to the payment provider now, for supervisor review.
    pub escalate: bool,
    /// Route again as if no money had been taken.
    pub reroute: bool,
    /// The customer's message: translation key `pay-tell-<tell>`.
    pub tell: Option<String>,
}

impl PaymentRule {
    pub fn applies(&self, state: CheckState, bill: Option<BillState>) -> bool {
        self.states.contains(&state) && self.bills.as_ref().is_none_or(|b| bill.is_some_and(|x| b.contains(&x)))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlaFile {
    urgent: Target,
    high: Target,
    normal: Target,
    low: Target,
    /// The calendar whose working hours the targets count (issue 30).
    #[serde(default = "default_calendar")]
    calendar: String,
    /// Queues on another calendar (money taken: `24x7`).
    #[serde(default)]
    calendars: std::collections::BTreeMap<String, String>,
}

fn default_calendar() -> String {
    crate::domain::calendar::CN_WORKDAYS.to_string()
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub first_response: i64,
    pub resolution: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    name: String,
    kind: String,
    queue: String,
    priority: String,
    #[serde(default)]
    self_service: bool,
    #[serde(default)]
    tentative: bool,
    #[serde(default)]
    when: WhenFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhenFile {
    symptom: Option<Vec<String>>,
    failing_step: Option<Vec<String>>,
    error_code: Option<Vec<String>>,
    text_contains: Option<Vec<String>>,
    message_means: Option<Vec<String>>,
    words_mean: Option<Vec<String>>,
    description_means: Option<Vec<String>>,
    scenario_allowed: Option<bool>,
    checks_not_tried: Option<Vec<String>>,
}

/// One checked rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub kind: CaseKind,
    pub queue: Queue,
    pub priority: Priority,
    pub self_service: bool,
    /// A guess from where it failed, not from what anyone said: the
    /// model's sure reading of the words outranks it.
    pub tentative: bool,
    pub symptom: Option<Vec<Symptom>>,
    pub failing_step: Option<Vec<FailingStep>>,
    pub error_code: Option<Vec<String>>,
    /// Lower-cased.
    pub text_contains: Option<Vec<String>>,
    /// The kinds the vocabulary may have read in the code and message.
    pub message_means: Option<Vec<CaseKind>>,
    /// The kinds a cause in the customer's words, or else the model's sure
    /// guess, may point to.
    pub words_mean: Option<Vec<CaseKind>>,
    /// The kinds the vocabulary may have read in the description.
    pub description_means: Option<Vec<CaseKind>>,
    pub scenario_allowed: Option<bool>,
    pub checks_not_tried: Option<Vec<CheckTried>>,
}

#[derive(Debug, Clone)]
pub struct Rules {
    pub rules: Vec<Rule>,
    /// What codes and phrases mean (`vocabulary.toml`).
    pub vocabulary: Vocabulary,
    sla: [Target; 4],
    /// The calendar each queue works by (an admin's choice at
    /// `/admin/calendars` comes first).
    pub calendars: crate::domain::calendar::QueueCalendars,
    /// When supervisors hear of a spike.
    pub spikes: SpikeRules,
    /// The promise to a customer who asked for a supervisor.
    pub complaint: ComplaintRules,
    /// What a verified payment check does, first match.
    pub payment: Vec<PaymentRule>,
}

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("routing rules: {0}")]
    Syntax(String),
    #[error("routing rule {rule:?}: {problem}")]
    Rule { rule: String, problem: String },
    #[error("routing rules: no rule")]
    Empty,
    #[error(transparent)]
    Vocabulary(#[from] vocabulary::VocabularyError),
}

fn codes<T>(
    rule: &str,
    field: &str,
    values: Option<Vec<String>>,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<Vec<T>>, RulesError> {
    values
        .map(|vs| {
            vs.iter()
                .map(|v| {
                    parse(v).ok_or_else(|| RulesError::Rule {
                        rule: rule.into(),
                        problem: format!("unknown {field} {v:?}"),
                    })
                })
                .collect()
        })
        .transpose()
}

impl Rules {
    /// Parses and checks a rules file; an error names the broken rule.
    pub fn parse(text: &str) -> Result<Rules, RulesError> {
        let file: File = toml::from_str(text).map_err(|e| RulesError::Syntax(e.to_string()))?;
        if file.rules.is_empty() {
            return Err(RulesError::Empty);
        }
        let mut names = HashSet::new();
        let mut rules = Vec::new();
        for r in file.rules {
            let bad = |problem: String| RulesError::Rule { rule: r.name.clone(), problem };
            if !names.insert(r.name.clone()) {
                return Err(bad("the name is used twice".into()));
            }
            let kind = CaseKind::parse(&r.kind).ok_or_else(|| bad(format!("unknown kind {:?}", r.kind)))?;
            let queue = Queue::parse(&r.queue).ok_or_else(|| bad(format!("unknown queue {:?}", r.queue)))?;
            let priority =
                Priority::parse(&r.priority).ok_or_else(|| bad(format!("unknown priority {:?}", r.priority)))?;
            let w = r.when;
            if [&w.error_code, &w.text_contains]
                .iter()
                .any(|l| l.as_ref().is_some_and(|l| l.iter().any(|v| v.trim().is_empty())))
            {
                return Err(bad("an empty error code or text".into()));
            }
            rules.push(Rule {
                symptom: codes(&r.name, "symptom", w.symptom, Symptom::parse)?,
                failing_step: codes(&r.name, "failing_step", w.failing_step, FailingStep::parse)?,
                checks_not_tried: codes(&r.name, "check", w.checks_not_tried, CheckTried::parse)?,
                message_means: codes(&r.name, "kind", w.message_means, CaseKind::parse)?,
                words_mean: codes(&r.name, "kind", w.words_mean, CaseKind::parse)?,
                description_means: codes(&r.name, "kind", w.description_means, CaseKind::parse)?,
                error_code: w.error_code,
                text_contains: w.text_contains.map(|ts| ts.iter().map(|t| t.to_lowercase()).collect()),
                scenario_allowed: w.scenario_allowed,
                name: r.name,
                kind,
                queue,
                priority,
                self_service: r.self_service,
                tentative: r.tentative,
            });
        }
        let s = file.sla;
        for (name, t) in [("urgent", s.urgent), ("high", s.high), ("normal", s.normal), ("low", s.low)] {
            if t.first_response <= 0 || t.resolution < t.first_response {
                return Err(RulesError::Syntax(format!(
                    "sla.{name}: targets must be positive, resolution ≥ first response"
                )));
            }
        }
        let mut queue_calendars = std::collections::BTreeMap::new();
        for (queue, calendar) in &s.calendars {
            let q = Queue::parse(queue)
                .ok_or_else(|| RulesError::Syntax(format!("sla.calendars: no queue is called {queue:?}")))?;
            queue_calendars.insert(q, calendar.clone());
        }
        file.spikes.check().map_err(RulesError::Syntax)?;
        file.complaint.check().map_err(RulesError::Syntax)?;
        let payment = file.payment.into_iter().map(payment_rule).collect::<Result<Vec<_>, _>>()?;
        Ok(Rules {
            rules,
            vocabulary: Vocabulary::default_vocabulary(),
            sla: [s.low, s.normal, s.high, s.urgent],
            calendars: crate::domain::calendar::QueueCalendars { default: s.calendar, queues: queue_calendars },
            spikes: file.spikes,
            complaint: file.complaint,
            payment,
        })
    }

    pub fn default_rules() -> Rules {
        Rules::parse(DEFAULT_RULES).expect("the default rules are valid (tested)")
    }

    /// What the screen (code and message) says, and what the description
    /// says, by the vocabulary and the learned phrases together (the
    /// stronger reading wins; on a tie, the vocabulary's).
    pub fn read(&self, f: &Facts<'_>) -> (Option<Reading>, Option<Reading>) {
        let words =
            Words { error_code: f.error_code, error_message: f.error_message, payment_method: f.payment_method };
        let stronger = |a: Option<Reading>, b: Option<Reading>| match (a, b) {
            (Some(a), Some(b)) if b.strength() > a.strength() => Some(b),
            (Some(a), _) => Some(a),
            (None, b) => b,
        };
        let screen = stronger(self.vocabulary.read(&words), f.learned.and_then(|l| l.read(&words)));
        let description = stronger(
            self.vocabulary.read_description(f.description),
            f.learned.and_then(|l| l.read_description(f.description)),
        );
        (screen, description)
    }

    pub fn target(&self, p: Priority) -> Target {
        self.sla[p as usize]
    }

    pub fn first_response(&self, p: Priority) -> Duration {
        Duration::hours(self.target(p).first_response)
    }

    pub fn resolution(&self, p: Priority) -> Duration {
        Duration::hours(self.target(p).resolution)
    }

    /// Every queue on one calendar (`--calendar`): what a deployment that
    /// answers around the clock, and the tests, ask for.
    pub fn with_calendar(mut self, name: &str) -> Rules {
        self.calendars.default = name.to_string();
        self.calendars.queues.clear();
        self
    }

    /// The target the next answer is held to: the first response until one
    /// was given, then the resolution.
    pub fn target_for(&self, p: Priority, responded: bool) -> Duration {
        if responded {
            self.resolution(p)
        } else {
            self.first_response(p)
        }
    }

    /// When the next answer is due: the first response until one was given,
    /// then the resolution (before any pauses are added back), in wall
    /// time (the demo data's clock; tickets use their queue's calendar,
    /// `ops::sla`).
    pub fn due_at(&self, created_at: chrono::NaiveDateTime, p: Priority, responded: bool) -> chrono::NaiveDateTime {
        created_at + if responded { self.resolution(p) } else { self.first_response(p) }
    }

    /// The first rule that holds for these facts, and what it looked at,
    /// with the second opinion of the model learned from the corpus and
    /// the phrases admins taught.
    pub fn route(&self, f: &Facts<'_>) -> Decision {
        self.route_with(f, Some(&model::trained(f.learned)))
    }

    /// Routing with this model, or by the vocabulary alone (`None`): what
    /// `paydesk routing eval` compares.
    ///
    /// What the rules are given to read:
    /// - the screen (`message_means`): the vocabulary's reading of the code
    ///   and message — unless it only says how the payment ended ("交易失败",
    ///   "请稍后再试") and the words below name a cause;
    /// - the words (`words_mean`): a cause the customer wrote (a bank's SMS
    ///   about its quick-pay limit, a bill listed twice), else, when the
    ///   vocabulary found no cause anywhere, the model's guess if it is sure;
    /// - the description (`description_means`): the vocabulary's reading
    ///   of it, outcome or cause.
    ///
    /// Agents see why: the phrase or code, or the model's strongest pieces
    /// and its confidence; where the screen and the words disagree, or the
    /// model sure of another kind, that too. A ticket nothing decides and
    /// the model is unsure of is `other`, marked for a human look.
    pub fn route_with(&self, f: &Facts<'_>, model: Option<&model::Model>) -> Decision {
        let (screen, description) = self.read(f);
        let cause = |r: &Option<Reading>| r.as_ref().filter(|r| !r.is_outcome()).cloned();
        let mut notes = Vec::new();
        if let (Some(s), Some(d)) = (cause(&screen), cause(&description)) {
            if s.kind != d.kind {
                notes.push(format!("screen says {}, words say {}", s.kind, d.kind));
            }
        }
        // The vocabulary first: an outcome on the screen yields to a cause
        // the customer wrote.
        let words = cause(&description);
        let screen = if words.is_some() { cause(&screen) } else { screen };
        let (mut decision, by_outcome) = self.first_rule(f, screen.as_ref(), words.as_ref(), description.as_ref());
        let guess = model.map(|m| m.guess(f));
        // An admin's own rule for `other` (with conditions) is a decision,
        // not a gap: the model neither overrides nor renames it.
        let catch_all = |rule: &str| self.rules.iter().find(|r| r.name == rule).is_none_or(Rule::is_catch_all);
        if let Some(g) = &guess {
            let nothing_said_why = by_outcome || (decision.kind == CaseKind::Other && catch_all(&decision.rule));
            if nothing_said_why && g.sure() && g.kind != CaseKind::Other {
                // The model decides what the vocabulary, the step and the
                // symptom could not: its guess stands for the words, and
                // outcomes step aside.
                let guessed = Reading {
                    kind: g.kind,
                    tier: vocabulary::Tier::Model,
                    evidence: g.evidence(),
                    source: Source::Model,
                };
                let (d, _) = self.first_rule(f, cause(&screen).as_ref(), Some(&guessed), cause(&description).as_ref());
                // Kept only where a rule read the guess (a rules file
                // without `words_mean` rules keeps its own decision).
                if d.kind == g.kind {
                    decision = d;
                }
            } else if nothing_said_why && g.sure() && g.kind == CaseKind::Other {
                // Sure it is none of the kinds ("电费能开发票吗？"): a person
                // reads it, rather than a guess from where it failed.
                decision = Decision {
                    rule: "none".into(),
                    kind: CaseKind::Other,
                    queue: Queue::General,
                    priority: Priority::Normal,
                    self_service: false,
                    used: vec![format!("model reads other {}", g.evidence())],
                };
            } else if decision.kind == CaseKind::Other && !g.sure() {
                decision.used.push(format!("unsure {} {}", g.kind, g.evidence()));
            } else if g.sure() && g.kind != decision.kind {
                notes.push(format!("second opinion {} {}", g.kind, g.evidence()));
            }
            if decision.kind == CaseKind::Other && catch_all(&decision.rule) {
                // Nothing said clearly what went wrong: `other`, in the
                // queue and priority of the file's catch-all rule, marked
                // for a person (an admin's own rule for `other` keeps its
                // name).
                let fallback = self.rules.iter().rev().find(|r| r.kind == CaseKind::Other && r.is_catch_all());
                decision.rule = NEEDS_A_LOOK.into();
                if let Some(r) = fallback {
                    (decision.queue, decision.priority, decision.self_service) = (r.queue, r.priority, r.self_service);
                }
            }
        }
        decision.used.extend(notes);
        decision
    }

    /// The first rule that holds, and whether it went by how the payment
    /// ended rather than why (an outcome phrase).
    fn first_rule(
        &self,
        f: &Facts<'_>,
        screen: Option<&Reading>,
        words: Option<&Reading>,
        description: Option<&Reading>,
    ) -> (Decision, bool) {
        for rule in &self.rules {
            if let Some(used) = rule.matches(f, screen, words, description) {
                let outcome = |r: Option<&Reading>| r.is_some_and(Reading::is_outcome);
                let by_outcome = rule.tentative
                    || (rule.message_means.is_some() && outcome(screen))
                    || (rule.description_means.is_some() && outcome(description));
                let d = Decision {
                    rule: rule.name.clone(),
                    kind: rule.kind,
                    queue: rule.queue,
                    priority: rule.priority,
                    self_service: rule.self_service,
                    used,
                };
                return (d, by_outcome);
            }
        }
        let d = Decision {
            rule: "none".into(),
            kind: CaseKind::Other,
            queue: Queue::General,
            priority: Priority::Normal,
            self_service: false,
            used: vec![],
        };
        (d, false)
    }
}

/// The rule name of a ticket nothing decided and the model was unsure of:
/// `other`, for a human to read.
pub const NEEDS_A_LOOK: &str = "needs-a-human-look";

/// Checks a payment rule: known states, never an unverified or failed
/// check (nothing is acted on from those), a complete route or none.
fn payment_rule(r: PaymentRuleFile) -> Result<PaymentRule, RulesError> {
    let bad = |problem: String| RulesError::Rule { rule: r.name.clone(), problem };
    let states = codes(&r.name, "check state", Some(r.when.state.clone()), CheckState::parse)?.unwrap_or_default();
    if states.is_empty() {
        return Err(bad("no check state".into()));
    }
    if let Some(s) =
        states.iter().find(|s| matches!(s, CheckState::Pending | CheckState::Unverified | CheckState::Error))
    {
        return Err(bad(format!("nothing is acted on from a {s} check")));
    }
    let bills = codes(&r.name, "bill state", r.when.bill.clone(), BillState::parse)?;
    let route = match (&r.kind, &r.queue, &r.priority) {
        (None, None, None) => None,
        (Some(k), Some(q), Some(p)) => Some((
            CaseKind::parse(k).ok_or_else(|| bad(format!("unknown kind {k:?}")))?,
            Queue::parse(q).ok_or_else(|| bad(format!("unknown queue {q:?}")))?,
            Priority::parse(p).ok_or_else(|| bad(format!("unknown priority {p:?}")))?,
        )),
        _ => return Err(bad("kind, queue and priority go together".into())),
    };
    if route.is_some() && r.reroute {
        return Err(bad("either a route or reroute, not both".into()));
    }
    if let Some(t) = &r.tell {
        // Every message exists in every language and takes only the
        // values paydesk gives it.
        let values = [("provider", String::new()), ("amount", String::new()), ("time", String::new())];
        if !crate::i18n::Lang::ALL.iter().all(|l| l.try_t_args(&format!("pay-tell-{t}"), &values).is_some()) {
            return Err(bad(format!("no message pay-tell-{t}")));
        }
    }
    Ok(PaymentRule { name: r.name, states, bills, route, escalate: r.escalate, reroute: r.reroute, tell: r.tell })
}

/// What routing looks at.
#[derive(Clone, Copy)]
pub struct Facts<'a> {
    pub symptom: Symptom,
    pub failing_step: FailingStep,
    pub error_code: Option<&'a str>,
    pub error_message: Option<&'a str>,
    pub description: &'a str,
    pub checks_tried: &'a [CheckTried],
    pub payment_method: Option<PaymentMethod>,
    /// Whether the platform allows the payment scenario.
    pub scenario_allowed: bool,
    /// Phrases admins taught from tickets nothing matched.
    pub learned: Option<&'a Vocabulary>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub rule: String,
    pub kind: CaseKind,
    pub queue: Queue,
    pub priority: Priority,
    pub self_service: bool,
    /// The facts the rule used, e.g. `error_code=101`.
    pub used: Vec<String>,
}

impl Rule {
    /// A rule with no condition: what holds when nothing else does.
    pub fn is_catch_all(&self) -> bool {
        self.symptom.is_none()
            && self.failing_step.is_none()
            && self.error_code.is_none()
            && self.text_contains.is_none()
            && self.message_means.is_none()
            && self.words_mean.is_none()
            && self.description_means.is_none()
            && self.scenario_allowed.is_none()
            && self.checks_not_tried.is_none()
    }

    /// `Some(facts used)` when every condition holds.
    fn matches(
        &self,
        f: &Facts<'_>,
        screen: Option<&Reading>,
        words: Option<&Reading>,
        description: Option<&Reading>,
    ) -> Option<Vec<String>> {
        let mut used = Vec::new();
        if let Some(s) = &self.symptom {
            s.contains(&f.symptom).then(|| used.push(format!("symptom={}", f.symptom)))?;
        }
        if let Some(s) = &self.failing_step {
            s.contains(&f.failing_step).then(|| used.push(format!("failing_step={}", f.failing_step)))?;
        }
        if let Some(codes) = &self.error_code {
            let code = f.error_code.map(str::trim)?;
            codes.iter().any(|c| c == code).then(|| used.push(format!("error_code={code}")))?;
        }
        if let Some(words) = &self.text_contains {
            let text = format!("{} {}", f.error_message.unwrap_or(""), f.description).to_lowercase();
            let word = words.iter().find(|w| text.contains(w.as_str()))?;
            used.push(format!("text contains \"{word}\""));
        }
        if let Some(kinds) = &self.message_means {
            let r = screen.filter(|r| kinds.contains(&r.kind))?;
            used.push(r.to_string());
        }
        if let Some(kinds) = &self.words_mean {
            let r = words.filter(|r| kinds.contains(&r.kind))?;
            used.push(r.to_string());
        }
        if let Some(kinds) = &self.description_means {
            let r = description.filter(|r| kinds.contains(&r.kind))?;
            used.push(r.to_string());
        }
        if let Some(allowed) = self.scenario_allowed {
            (allowed == f.scenario_allowed).then(|| used.push(format!("scenario_allowed={allowed}")))?;
        }
        if let Some(checks) = &self.checks_not_tried {
            let missing: Vec<_> = checks.iter().filter(|c| !f.checks_tried.contains(c)).collect();
            (!missing.is_empty()).then(|| used.push(format!("not tried: {}", missing[0])))?;
        }
        Some(used)
    }
}

#[cfg(test)]
mod tests;
