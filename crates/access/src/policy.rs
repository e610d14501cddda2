//! The general access rules as Cedar policies (`policies/default.cedar`), versioned, and their
//! evaluation for one presentation.
//!
//! Facts that need the register (is there a valid permit, is the host right behind, is the
//! person banned) are worked out in Rust and handed to Cedar in the request context; the
//! policies say what those facts mean at each security level. The principal is the person,
//! the resource the gate, the action `enter` or `exit`. Forbid overrides permit, and a
//! decision's reasons are the ids of the policies that determined it.

use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, EntityUid, Request,
    RestrictedExpression,
};

/// The policy text Hamnvakt starts with.
pub const DEFAULT_POLICY: &str = include_str!("../policies/default.cedar");

/// What the policies may read (Cedar schema syntax).
pub const SCHEMA: &str = include_str!("../policies/schema.cedarschema");

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy text does not parse: {0}")]
    Parse(String),
    #[error("the policy set has no `valid_permit` permit policy; nobody could ever enter")]
    NoPermit,
    #[error("the policy does not match what a decision provides: {0}")]
    Invalid(String),
}

/// A parsed, versioned policy set.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub version: i64,
    pub text: String,
    set: cedar_policy::PolicySet,
    /// Each policy's `@id` annotation, read once here: `Policy::annotation` parses its key
    /// with Cedar's full grammar on every call, which cost more than the evaluation itself.
    names: std::collections::HashMap<cedar_policy::PolicyId, String>,
}

/// The facts about one presentation that the policies read.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub entering: bool,
    pub security_level: u8,
    pub person_banned: bool,
    pub person_responder: bool,
    /// `active`, `suspended`, `reported_lost`, `revoked`, `expired`, `not_yet_valid`.
    pub credential_state: &'static str,
    pub credential_generic: bool,
    pub permit_valid: bool,
    pub permit_visitor: bool,
    pub permit_escort_required: bool,
    pub escort_present: bool,
    pub zone_two_person: bool,
    pub second_person_present: bool,
    pub gate_closed_at_level2: bool,
    /// `ok`, `soft_violation`, `hard_violation`.
    pub anti_passback: &'static str,
}

impl Facts {
    /// An ordinary entry: level 1, an active personal card, a valid permit, nothing else in
    /// play. The starting point for tests and benchmarks that change one fact at a time.
    pub fn entering_with_permit() -> Facts {
        Facts {
            entering: true,
            security_level: 1,
            person_banned: false,
            person_responder: false,
            credential_state: "active",
            credential_generic: false,
            permit_valid: true,
            permit_visitor: false,
            permit_escort_required: false,
            escort_present: false,
            zone_two_person: false,
            second_person_present: false,
            gate_closed_at_level2: false,
            anti_passback: "ok",
        }
    }
}

/// Cedar's answer: allowed or not, and the ids of the policies that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub policies: Vec<String>,
    /// Evaluation errors (a policy that failed to evaluate is skipped by Cedar; we log these).
    pub errors: Vec<String>,
}

/// How deep `(`, `[` and `{` may nest in policy text. Cedar's parser recurses once per level
/// and overflows the stack — killing the process, not failing the request — at about a
/// thousand levels on an 8 MiB main thread and fewer on a 2 MiB tokio worker: 1,000 nested
/// parentheses, 2 kB of text, took the server down (found by running the policy fuzz target on
/// deeply nested inputs it had not grown to). A policy a person reviews nests a few levels.
pub const MAX_NESTING: usize = 24;

/// The deepest nesting of brackets in policy text, outside string literals and `//` comments.
fn nesting(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn uid(text: &str) -> Option<EntityUid> {
    EntityUid::from_str(text).ok()
}

fn rec(pairs: Vec<(&str, RestrictedExpression)>) -> Option<RestrictedExpression> {
    RestrictedExpression::new_record(pairs.into_iter().map(|(k, v)| (k.to_owned(), v))).ok()
}

impl PolicySet {
    pub fn parse(version: i64, text: &str) -> Result<PolicySet, PolicyError> {
        let depth = nesting(text);
        if depth > MAX_NESTING {
            return Err(PolicyError::Parse(format!(
                "brackets nest {depth} deep; at most {MAX_NESTING} are accepted"
            )));
        }
        let set = cedar_policy::PolicySet::from_str(text)
            .map_err(|e| PolicyError::Parse(format!("{e:?}")))?;
        let has_permit = set
            .policies()
            .any(|p| p.annotation("id") == Some("valid_permit"));
        if !has_permit {
            return Err(PolicyError::NoPermit);
        }
        let (schema, _) = cedar_policy::Schema::from_cedarschema_str(SCHEMA)
            .map_err(|e| PolicyError::Invalid(format!("schema: {e}")))?;
        let result = cedar_policy::Validator::new(schema)
            .validate(&set, cedar_policy::ValidationMode::default());
        if !result.validation_passed() {
            let errors: Vec<String> = result.validation_errors().map(|e| e.to_string()).collect();
            return Err(PolicyError::Invalid(errors.join("; ")));
        }
        let names = set
            .policies()
            .filter_map(|p| Some((p.id().clone(), p.annotation("id")?.to_owned())))
            .collect();
        Ok(PolicySet {
            version,
            text: text.to_owned(),
            set,
            names,
        })
    }

    pub fn default_set() -> PolicySet {
        match PolicySet::parse(1, DEFAULT_POLICY) {
            Ok(p) => p,
            // The default text is tested to parse; an empty set denies everything (fail closed).
            Err(_) => PolicySet {
                version: 1,
                text: String::new(),
                set: cedar_policy::PolicySet::new(),
                names: Default::default(),
            },
        }
    }

    /// The `@id` annotations of the policies, in order (for the review page).
    pub fn ids(&self) -> Vec<String> {
        self.set
            .policies()
            .filter_map(|p| p.annotation("id").map(str::to_owned))
            .collect()
    }

    /// Evaluates one presentation. Any failure to build the request denies.
    pub fn evaluate(&self, f: &Facts) -> Verdict {
        let deny = |why: &str| Verdict {
            allowed: false,
            policies: Vec::new(),
            errors: vec![why.to_owned()],
        };
        let action = if f.entering {
            r#"Hamnvakt::Action::"enter""#
        } else {
            r#"Hamnvakt::Action::"exit""#
        };
        let (Some(principal), Some(action), Some(resource)) = (
            uid(r#"Hamnvakt::Person::"p""#),
            uid(action),
            uid(r#"Hamnvakt::Gate::"g""#),
        ) else {
            return deny("could not build entity ids");
        };
        let b = RestrictedExpression::new_bool;
        let s = |v: &str| RestrictedExpression::new_string(v.to_owned());
        let parts = (
            rec(vec![
                ("banned", b(f.person_banned)),
                ("responder", b(f.person_responder)),
            ]),
            rec(vec![
                ("state", s(f.credential_state)),
                ("generic", b(f.credential_generic)),
            ]),
            rec(vec![
                ("valid", b(f.permit_valid)),
                ("visitor", b(f.permit_visitor)),
                ("escort_required", b(f.permit_escort_required)),
            ]),
            rec(vec![("two_person", b(f.zone_two_person))]),
            rec(vec![("closed_at_level2", b(f.gate_closed_at_level2))]),
        );
        let (Some(person), Some(credential), Some(permit), Some(zone), Some(gate)) = parts else {
            return deny("could not build the context");
        };
        let context = Context::from_pairs([
            (
                "security_level".to_owned(),
                RestrictedExpression::new_long(i64::from(f.security_level)),
            ),
            ("person".to_owned(), person),
            ("credential".to_owned(), credential),
            ("permit".to_owned(), permit),
            ("zone".to_owned(), zone),
            ("gate".to_owned(), gate),
            ("escort_present".to_owned(), b(f.escort_present)),
            (
                "second_person_present".to_owned(),
                b(f.second_person_present),
            ),
            ("anti_passback".to_owned(), s(f.anti_passback)),
        ]);
        let Ok(context) = context else {
            return deny("could not build the context");
        };
        let Ok(request) = Request::new(principal, action, resource, context, None) else {
            return deny("could not build the request");
        };
        let response = Authorizer::new().is_authorized(&request, &self.set, &Entities::empty());
        let policies = response
            .diagnostics()
            .reason()
            .map(|id| {
                self.names
                    .get(id)
                    .map(String::as_str)
                    .unwrap_or(id.as_ref())
                    .to_owned()
            })
            .collect();
        let errors: Vec<String> = response
            .diagnostics()
            .errors()
            .map(|e| e.to_string())
            .collect();
        Verdict {
            allowed: response.decision() == CedarDecision::Allow && errors.is_empty(),
            policies,
            errors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok_facts() -> Facts {
        Facts::entering_with_permit()
    }

    fn nested(open: &str, close: &str, depth: usize) -> String {
        format!(
            "@id(\"valid_permit\")\npermit (principal, action == Hamnvakt::Action::\"enter\", resource)\nwhen {{ {}context.permit.valid{} }};\n",
            open.repeat(depth),
            close.repeat(depth)
        )
    }

    #[test]
    fn deep_nesting_is_refused_before_it_overflows_the_stack() {
        // 1,000 nested parentheses overflowed the stack inside Cedar's parser and killed the
        // process. Refused now, and the deepest accepted nesting parses on a thread with the
        // stack of a tokio worker (2 MiB), in this unoptimised build.
        let deep = nested("(", ")", 1000);
        assert!(
            matches!(PolicySet::parse(2, &deep), Err(PolicyError::Parse(e)) if e.contains("nest"))
        );
        assert!(PolicySet::parse(2, &nested("[", "]", 1000)).is_err());
        assert!(PolicySet::parse(2, &nested("context.s.contains(", ")", 1000)).is_err());
        let worker = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                // `when {` is one level.
                let limit = MAX_NESTING - 1;
                let parens = PolicySet::parse(2, &nested("(", ")", limit));
                assert!(parens.is_ok(), "{:?}", parens.err());
                for (open, close) in [("[", "] == [true]"), ("{a: ", "} == {a: true}"), ("context.s.contains(", ")")] {
                    let text = nested(open, close, limit);
                    assert!(
                        !matches!(PolicySet::parse(2, &text), Err(PolicyError::Parse(e)) if e.contains("nest")),
                        "{text}"
                    );
                }
                assert!(PolicySet::parse(2, &nested("(", ")", limit + 1)).is_err());
            });
        assert!(
            worker.is_ok_and(|w| w.join().is_ok()),
            "parsing at the limit overflowed a 2 MiB stack"
        );
        // Brackets in strings and comments do not count.
        let text = format!("// {}\n{}", "(".repeat(100), PolicySet::default_set().text);
        assert!(PolicySet::parse(2, &text).is_ok());
        assert_eq!(
            nesting("@id(\"((((\\\"((\") permit(principal, action, resource);"),
            1
        );
    }

    #[test]
    fn the_default_policy_parses_and_names_its_rules() {
        let p = PolicySet::default_set();
        assert_eq!(p.ids().len(), 11);
        assert!(p.ids().contains(&"port_ban".to_owned()));
        assert!(
            PolicySet::parse(2, "forbid (principal, action, resource);").is_err(),
            "no permit policy"
        );
        assert!(PolicySet::parse(2, "permit (principal").is_err());
        let typo = DEFAULT_POLICY.replace("context.person.banned", "context.person.baned");
        assert!(
            matches!(PolicySet::parse(2, &typo), Err(PolicyError::Invalid(_))),
            "a misspelt fact is refused"
        );
        let wrong_type = DEFAULT_POLICY.replace(
            "context.security_level >= 3",
            "context.security_level == \"3\"",
        );
        assert!(matches!(
            PolicySet::parse(2, &wrong_type),
            Err(PolicyError::Invalid(_))
        ));
    }

    #[test]
    fn each_forbid_rule_fires_alone() {
        let p = PolicySet::default_set();
        let v = p.evaluate(&ok_facts());
        assert_eq!(
            (v.allowed, v.policies.clone()),
            (true, vec!["valid_permit".to_owned()])
        );
        type Change = Box<dyn Fn(&mut Facts)>;
        let cases: Vec<(&str, Change)> = vec![
            ("port_ban", Box::new(|f| f.person_banned = true)),
            (
                "credential_not_active",
                Box::new(|f| f.credential_state = "reported_lost"),
            ),
            (
                "level2_visitor_permit",
                Box::new(|f| {
                    f.security_level = 2;
                    f.permit_visitor = true;
                }),
            ),
            (
                "level2_generic_card",
                Box::new(|f| {
                    f.security_level = 2;
                    f.credential_generic = true;
                }),
            ),
            (
                "level2_gate_closed",
                Box::new(|f| {
                    f.security_level = 2;
                    f.gate_closed_at_level2 = true;
                }),
            ),
            ("level3_responders_only", Box::new(|f| f.security_level = 3)),
            (
                "escort_required",
                Box::new(|f| f.permit_escort_required = true),
            ),
            ("two_person_rule", Box::new(|f| f.zone_two_person = true)),
            (
                "anti_passback",
                Box::new(|f| f.anti_passback = "hard_violation"),
            ),
        ];
        for (id, change) in cases {
            let mut f = ok_facts();
            change(&mut f);
            let v = p.evaluate(&f);
            assert!(!v.allowed, "{id} should deny");
            assert_eq!(v.policies, vec![id.to_owned()], "{id}");
        }
        let mut f = ok_facts();
        f.permit_valid = false;
        let v = p.evaluate(&f);
        assert_eq!(
            (v.allowed, v.policies.len()),
            (false, 0),
            "no permit: denied by default"
        );
        let mut f = ok_facts();
        f.entering = false;
        f.permit_valid = false;
        f.person_banned = true;
        assert!(p.evaluate(&f).allowed, "a banned person may still leave");
        let mut f = ok_facts();
        f.security_level = 3;
        f.person_responder = true;
        assert!(p.evaluate(&f).allowed, "responders enter at level 3");
    }
}
