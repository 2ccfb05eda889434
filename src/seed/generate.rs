//! Drawing synthetic declarations: organisations, numbers, histories, diagnoses and
//! disclosures, with the proportions described in the module above. No database work here.

use anyhow::Context as _;
use chrono::{NaiveDateTime, NaiveTime, TimeDelta};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};

use super::names::{self, Organization, any, weighted};
use super::{Taken, digits_value, unused};
use crate::domain::corporate_number::CorporateNumber;
use crate::domain::declaration::{Purpose, Star, Status};
use crate::domain::disclosure::DisclosureMethod;
use crate::domain::identifiers::{DeclarationId, UserNumber};
use crate::domain::name::name_key;
use crate::domain::questionnaire::Answer;
use crate::domain::scoring::{AnswerSheet, score};
use crate::domain::terms::TERMS_VERSIONS;

/// One entry of a declaration's history.
#[derive(Debug, Clone, Copy)]
pub(super) struct Event {
    pub(super) kind: &'static str,
    /// The status and star before, if any.
    pub(super) from: Option<(Status, Star)>,
    pub(super) to_status: Status,
    pub(super) to_star: Star,
    /// By the declarer's account, or else by the secretariat (operator not recorded).
    pub(super) by_declarer: bool,
    pub(super) reason: Option<&'static str>,
    pub(super) note: Option<&'static str>,
    pub(super) at: NaiveDateTime,
}

/// A two-star declaration's self-diagnosis.
#[derive(Debug, Clone)]
pub(super) struct Diagnosis {
    pub(super) public_id: uuid::Uuid,
    pub(super) answers: String,
    pub(super) total: i32,
    pub(super) band: &'static str,
    pub(super) at: NaiveDateTime,
}

/// A two-star declaration's policy disclosure; the URL is a path under the declarer's site.
#[derive(Debug, Clone)]
pub(super) struct Disclosure {
    pub(super) methods: String,
    pub(super) url_path: Option<&'static str>,
    pub(super) other: Option<&'static str>,
    pub(super) at: NaiveDateTime,
}

/// Everything about one seeded declaration but the ids.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub(super) organization: Organization,
    /// [`name_key`] of the organisation's name.
    pub(super) name_key: String,
    pub(super) corporate_number: Option<CorporateNumber>,
    pub(super) user_number: UserNumber,
    pub(super) declaration_id: DeclarationId,
    pub(super) star: Star,
    pub(super) status: Status,
    pub(super) purposes: Vec<Purpose>,
    pub(super) terms_version: &'static str,
    pub(super) declared_at: NaiveDateTime,
    pub(super) accepted_at: Option<NaiveDateTime>,
    pub(super) star_since: NaiveDateTime,
    /// The events in time order: applied, accepted, stepped up, withdrawn or revoked.
    pub(super) events: Vec<Event>,
    pub(super) diagnosis: Option<Diagnosis>,
    pub(super) disclosure: Option<Disclosure>,
}

/// A microsecond count of one hour.
pub(super) const HOUR: i64 = 3_600_000_000;

/// Withdrawal reasons, in the declarers' words.
pub(super) const WITHDRAWAL_REASONS: [&str; 6] = [
    "事業を廃止したため",
    "補助金の申請が終わったため",
    "会社の合併に伴い",
    "誤って申し込んだため",
    "重複して申し込んだため",
    "宣言内容を見直すため",
];

/// Revocation reason codes with the secretariat's notes, weighted.
pub(super) const REVOCATIONS: [((&str, &str), u32); 4] = [
    (
        (
            "misleading_claims",
            "ウェブサイトで「認定を取得」と表示していたため",
        ),
        35,
    ),
    (("declarer_request", "自己宣言事業者からのお申出による"), 30),
    (("false_declaration", "申込み内容に虚偽があったため"), 25),
    (("other", "連絡が取れないため"), 10),
];

/// Draws declarations one after the other from one seeded generator.
pub(super) struct Generator {
    pub(super) rng: StdRng,
    /// The first day a declaration can have: the first logo terms' (2017-04-28).
    pub(super) start: NaiveDateTime,
    /// Every time drawn is before this.
    pub(super) until: NaiveDateTime,
}

impl Generator {
    pub(super) fn new(seed: u64, until: NaiveDateTime) -> anyhow::Result<Generator> {
        let start = TERMS_VERSIONS[0]
            .effective_date()
            .context("the first logo terms have no date")?
            .and_time(NaiveTime::MIN);
        anyhow::ensure!(
            until > start + TimeDelta::days(30),
            "no time to seed before {until}"
        );
        Ok(Generator {
            rng: StdRng::seed_from_u64(seed),
            start,
            until,
        })
    }

    /// The next declaration, with numbers not in `taken` (which records them).
    pub(super) fn plan(&mut self, taken: &mut Taken) -> anyhow::Result<Plan> {
        let rng = &mut self.rng;
        let star = if rng.random_bool(0.1) {
            Star::TwoStar
        } else {
            Star::OneStar
        };
        let organization = names::organization(rng, star == Star::TwoStar)?;
        let corporate_number = match organization.numbered {
            true => Some(unused(rng, &mut taken.corporate_numbers, |rng| {
                let number = names::corporate_number(rng, &organization);
                (number, digits_value(number.as_str()))
            })?),
            false => None,
        };
        let user_number = unused(rng, &mut taken.numbers, |rng| {
            let number = UserNumber::generate(rng);
            (number, digits_value(number.as_str()))
        })?;
        let declaration_id = unused(rng, &mut taken.numbers, |rng| {
            let id = DeclarationId::generate(rng);
            (id, digits_value(id.as_str()))
        })?;
        let purposes = purposes(rng);
        let (status, declared_at, accepted_at, star_since, events) =
            history(rng, self.start, self.until, star);
        let (diagnosis, disclosure) = match star {
            Star::OneStar => (None, None),
            Star::TwoStar => (
                Some(diagnosis(rng, taken, declared_at, star_since)?),
                Some(disclosure(rng, organization.website, star_since)),
            ),
        };
        let terms_version = TERMS_VERSIONS
            .iter()
            .rev()
            .find(|t| t.effective_date().is_some_and(|d| d <= declared_at.date()))
            .unwrap_or(&TERMS_VERSIONS[0])
            .version;
        Ok(Plan {
            name_key: name_key(&organization.name),
            organization,
            corporate_number,
            user_number,
            declaration_id,
            star,
            status,
            purposes,
            terms_version,
            declared_at,
            accepted_at,
            star_since,
            events,
            diagnosis,
            disclosure,
        })
    }
}

/// Purposes after the 2024 survey: three in four name the subsidy; the others at least one of
/// the rest.
pub(super) fn purposes(rng: &mut StdRng) -> Vec<Purpose> {
    use Purpose::*;
    #[rustfmt::skip]
    let (first, more) = match rng.random_bool(0.75) {
        true => (SubsidyApplication, [(ImproveSecurity, 0.16), (CustomerTrust, 0.11),
            (BusinessPartnerRequest, 0.05), (Other, 0.005)]),
        false => (weighted(rng, &[(ImproveSecurity, 45), (CustomerTrust, 28),
            (BusinessPartnerRequest, 14), (Other, 13)]), [(ImproveSecurity, 0.15),
            (CustomerTrust, 0.1), (BusinessPartnerRequest, 0.05), (Other, 0.0)]),
    };
    let mut chosen = vec![first];
    for (purpose, p) in more {
        if purpose != first && rng.random_bool(p) {
            chosen.push(purpose);
        }
    }
    chosen
}

/// A declaration's final status, its declaration, acceptance and star dates, and its events.
pub(super) type Timeline = (
    Status,
    NaiveDateTime,
    Option<NaiveDateTime>,
    NaiveDateTime,
    Vec<Event>,
);

/// A declaration's life: its final status, declaration, acceptance and star dates, and its
/// events in time order.
pub(super) fn history(
    rng: &mut StdRng,
    start: NaiveDateTime,
    until: NaiveDateTime,
    star: Star,
) -> Timeline {
    use Status::*;
    let declared_at = declared_at(rng, start, until);
    let target = weighted(
        rng,
        &[(Accepted, 80), (Declared, 14), (Withdrawn, 4), (Revoked, 2)],
    );
    let reviewed = declared_at
        + TimeDelta::days(rng.random_range(1..=14))
        + TimeDelta::microseconds(rng.random_range(0..8 * HOUR));
    let was_accepted = match target {
        Accepted => true,
        Declared => false,
        Withdrawn => rng.random_bool(0.75),
        Revoked => rng.random_bool(0.85),
    };
    // Too recent to have been reviewed: still declared.
    let accepted_at = Some(reviewed).filter(|at| was_accepted && *at < until);
    let status = if target == Accepted && accepted_at.is_none() {
        Declared
    } else {
        target
    };
    let first_star = match star {
        Star::TwoStar if rng.random_bool(0.3) => Star::OneStar,
        _ => star,
    };
    let event = |kind, from, to_status, to_star, by_declarer, at| Event {
        kind,
        from,
        to_status,
        to_star,
        by_declarer,
        reason: None,
        note: None,
        at,
    };
    let mut events = vec![event(
        "applied",
        None,
        Declared,
        first_star,
        true,
        declared_at,
    )];
    let (mut live, mut last, mut star_since) = (Declared, declared_at, declared_at);
    if let Some(at) = accepted_at {
        events.push(event(
            "accepted",
            Some((live, first_star)),
            Accepted,
            first_star,
            false,
            at,
        ));
        (live, last) = (Accepted, at);
    }
    if first_star != star {
        star_since = between(rng, last, until);
        last = star_since;
        events.push(event(
            "stepped_up",
            Some((live, first_star)),
            live,
            star,
            true,
            last,
        ));
    }
    let end = match status {
        Withdrawn => Some(("withdrawn", any(rng, &WITHDRAWAL_REASONS), None, true)),
        Revoked => {
            let (code, note) = weighted(rng, &REVOCATIONS);
            Some(("revoked", code, Some(note), false))
        }
        Declared | Accepted => None,
    };
    if let Some((kind, reason, note, by_declarer)) = end {
        let at = between(rng, last, until);
        events.push(Event {
            reason: Some(reason),
            note,
            ..event(kind, Some((live, star)), status, star, by_declarer, at)
        });
    }
    (status, declared_at, accepted_at, star_since, events)
}

/// A declaration time: ever more often towards `until` (85 % with a linearly rising density,
/// 15 % evenly), mostly in Japanese office hours (09:00–19:00 JST is 00:00–10:00 UTC).
pub(super) fn declared_at(
    rng: &mut StdRng,
    start: NaiveDateTime,
    until: NaiveDateTime,
) -> NaiveDateTime {
    let days = (until - start).num_days().max(1);
    let uniform: f64 = rng.random();
    let fraction = if rng.random_bool(0.85) {
        uniform.sqrt()
    } else {
        uniform
    };
    let day = ((fraction * days as f64) as i64).clamp(0, days - 1);
    let hours = if rng.random_bool(0.8) { 10 } else { 24 };
    let time = TimeDelta::microseconds(rng.random_range(0..hours * HOUR));
    (start + TimeDelta::days(day) + time).min(until - TimeDelta::seconds(1))
}

/// A time between `from` and `until` (`from` itself when `until` is not later).
pub(super) fn between(
    rng: &mut StdRng,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> NaiveDateTime {
    let span = (until - from).num_microseconds().unwrap_or(0).max(0);
    from + TimeDelta::microseconds(rng.random_range(0..=span))
}

/// The answers other than implemented, weighted.
pub(super) const SHORTFALLS: [(Answer, u32); 3] = [
    (Answer::PartiallyImplemented, 55),
    (Answer::NotImplemented, 25),
    (Answer::Unknown, 20),
];

/// A self-diagnosis around the declarer's maturity (the chance of an item being implemented,
/// 0.25 to 0.98, mostly high; for the five principles, items 1–5, a little higher); the other
/// items partially (55 %), not (25 %) or unknown (20 %). Taken at the declaration, or up to
/// three days before a step-up.
pub(super) fn diagnosis(
    rng: &mut StdRng,
    taken: &mut Taken,
    declared_at: NaiveDateTime,
    star_since: NaiveDateTime,
) -> anyhow::Result<Diagnosis> {
    let public_id = unused(rng, &mut taken.diagnosis_ids, |rng| {
        let id = uuid::Builder::from_random_bytes(rng.random()).into_uuid();
        (id, id.as_u128())
    })?;
    // Mostly mature (the mean is about 0.74), now and then far from it.
    let maturity = 0.98 - 0.73 * rng.random::<f64>().powi(2);
    let answers: [Answer; 25] = std::array::from_fn(|item| {
        let p = if item < 5 {
            (maturity + 0.1).min(0.99)
        } else {
            maturity
        };
        match rng.random_bool(p) {
            true => Answer::Implemented,
            false => weighted(rng, &SHORTFALLS),
        }
    });
    let result = score(&AnswerSheet::from_array(answers));
    let at = match star_since > declared_at {
        true => between(
            rng,
            declared_at.max(star_since - TimeDelta::days(3)),
            star_since,
        ),
        false => declared_at,
    };
    Ok(Diagnosis {
        public_id,
        answers: answers.map(Answer::code).join(","),
        total: result.total,
        band: result.band.code(),
        at,
    })
}

/// Where declarers put their basic policy on their web site.
pub(super) const POLICY_PATHS: [&str; 4] = [
    "security-policy/",
    "policy/security.html",
    "about/security/",
    "isms.html",
];

/// How declarers disclose their basic policy when it is none of the listed methods.
pub(super) const OTHER_DISCLOSURES: [&str; 3] = [
    "事務所内に掲示しています",
    "店頭に掲示しています",
    "取引先への提出資料に掲載しています",
];

/// How the basic policy is disclosed: on the web site (70 % of those with one), in the company
/// profile, a pamphlet, or otherwise. The methods in the order the service stores them.
pub(super) fn disclosure(rng: &mut StdRng, website: bool, at: NaiveDateTime) -> Disclosure {
    use DisclosureMethod::*;
    let odds = [
        (CompanyWebsite, if website { 0.7 } else { 0.0 }),
        (CompanyProfile, 0.45),
        (Pamphlet, 0.2),
        (Other, 0.08),
    ];
    let mut methods: Vec<DisclosureMethod> = odds
        .into_iter()
        .filter(|&(_, p)| rng.random_bool(p))
        .map(|(m, _)| m)
        .collect();
    if methods.is_empty() {
        methods.push(CompanyProfile);
    }
    methods.sort();
    let url_path = methods
        .contains(&CompanyWebsite)
        .then(|| any(rng, &POLICY_PATHS));
    let other = methods
        .contains(&Other)
        .then(|| any(rng, &OTHER_DISCLOSURES));
    Disclosure {
        methods: methods
            .iter()
            .map(|m| m.code())
            .collect::<Vec<_>>()
            .join(","),
        url_path,
        other,
        at,
    }
}
