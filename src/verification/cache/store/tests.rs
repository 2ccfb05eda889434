use std::collections::HashMap;

use proptest::prelude::*;

use super::*;

fn row(public_id: &str, name: &str, accepted: bool, corporate: Option<&str>) -> Lookup {
    let t = chrono::DateTime::from_timestamp(1_700_000_000, 123_456_789)
        .unwrap()
        .naive_utc();
    Lookup {
        id: 7,
        public_id: public_id.to_owned(),
        status: "accepted".to_owned(),
        star_level: "two_star".to_owned(),
        declared_at: t,
        accepted_at: accepted.then_some(t),
        star_since: t,
        corporate_number: corporate.map(str::to_owned),
        organization_name: name.to_owned(),
        organization_name_key: crate::domain::name::name_key(name),
    }
}

#[test]
fn an_entry_takes_48_bytes() {
    assert_eq!(std::mem::size_of::<Entry>(), 48);
}

#[test]
fn a_held_answer_is_the_row_it_was_made_from() {
    let mut store = Store::default();
    for r in [
        row(
            "407731820954",
            "株式会社サンプル",
            true,
            Some("1234567890123"),
        ),
        row("400000000002", "個人事業 山田", false, None),
        row("499999999998", "", false, Some("9999999999999")),
    ] {
        assert!(store.put(&r));
        assert_eq!(store.get(&r.public_id), Some(r));
    }
    assert_eq!(store.get("412345678901"), None);
    assert_eq!(store.get("not an id"), None);
    // Replaced: the newest answer, and the old text counted as garbage.
    let newer = row(
        "407731820954",
        "株式会社サンプル改",
        true,
        Some("1234567890123"),
    );
    assert!(store.put(&newer));
    assert_eq!(store.get("407731820954"), Some(newer.clone()));
    assert!(store.garbage > 0);
    // The same once merged into the sorted arrays, and replaced there.
    store.settle();
    assert!(store.recent.is_empty());
    assert_eq!(store.keys.len(), 3);
    assert_eq!(store.get("407731820954"), Some(newer));
    let newest = row("407731820954", "サンプル", false, None);
    assert!(store.put(&newest));
    assert!(store.recent.is_empty(), "a held ID is replaced in place");
    assert_eq!(store.get("407731820954"), Some(newest));
    assert_eq!(store.len(), 3);
}

#[test]
fn new_declarations_are_merged_once_they_are_many() {
    let mut store = Store::default();
    let id = |i: u64| format!("{}", 400_000_000_000 + i * 7);
    for i in 0..u64::try_from(MERGE_AT_LEAST).unwrap() - 1 {
        assert!(store.put(&row(&id(i), "n", false, None)));
    }
    store.tidy();
    assert_eq!(
        store.keys.len(),
        0,
        "one short of the threshold: not merged"
    );
    assert!(store.put(&row(&id(1_000_000), "n", false, None)));
    store.tidy();
    assert_eq!(store.keys.len(), MERGE_AT_LEAST);
    assert!(store.recent.is_empty());
    assert!(store.keys.windows(2).all(|w| w[0] < w[1]));
    assert!(store.get(&id(1_000_000)).is_some() && store.get(&id(5)).is_some());
}

#[test]
fn a_key_that_is_part_of_its_name_is_not_written_again() {
    let mut store = Store::default();
    // The legal form removed: the key is the name's last bytes.
    let within = row("407731820954", "株式会社サンプル", true, None);
    assert_eq!(within.organization_name_key, "サンプル");
    assert!(store.put(&within));
    assert_eq!(store.text.len(), "株式会社サンプル".len());
    assert_eq!(store.get("407731820954"), Some(within.clone()));
    // Folded (full-width letters, hiragana): the key follows the name.
    let folded = row("400000000002", "ＡＢＣさんぷる", true, None);
    assert_eq!(folded.organization_name_key, "abcサンプル");
    assert!(store.put(&folded));
    assert_eq!(
        store.text.len(),
        "株式会社サンプル".len() + "ＡＢＣさんぷる".len() + "abcサンプル".len()
    );
    assert_eq!(store.get("400000000002"), Some(folded.clone()));
    // Replacing either counts exactly its own bytes as garbage, and compacting keeps both.
    assert!(store.put(&row("407731820954", "サンプル", true, None)));
    assert_eq!(store.garbage, "株式会社サンプル".len());
    store.compact();
    assert_eq!(
        store.text.len(),
        "サンプル".len() + "ＡＢＣさんぷる".len() + "abcサンプル".len()
    );
    assert_eq!(store.get("400000000002"), Some(folded));
    // A key found only far into a long name is written again rather than pointed at.
    let far = format!("{}サンプル", "株式会社".repeat(KEY_IN_NAME_MAX / 12 + 1));
    let long = row("499999999998", &far, true, None);
    assert_eq!(long.organization_name_key, "サンプル");
    let before = store.text.len();
    assert!(store.put(&long));
    assert_eq!(store.text.len(), before + far.len() + "サンプル".len());
    assert_eq!(store.get("499999999998"), Some(long));
}

#[test]
fn values_beyond_the_packing_are_refused() {
    let mut store = Store::default();
    // Zero reads as none; more than 13 digits does not fit the packing.
    assert!(!store.put(&row("407731820954", "a", true, Some("0000000000000"))));
    assert!(!store.put(&row("407731820954", "a", true, Some("99999999999999999"))));
    assert!(!store.put(&row("407731820954", &"x".repeat(70_000), true, None)));
    let mut odd = row("407731820954", "a", true, None);
    odd.status = "unknown".into();
    assert!(!store.put(&odd));
    assert_eq!(store.len(), 0);
}

/// One step of a random history.
#[derive(Debug, Clone)]
enum Step {
    Put {
        id: usize,
        name: String,
        corporate: Option<String>,
        accepted: bool,
        status: usize,
        star: usize,
        nanos: i64,
    },
    Tidy,
    Settle,
    Compact,
}

/// A row from drawn values: a status and a star by their index, one instant for every time.
#[allow(clippy::too_many_arguments)]
fn drawn(
    id: i64,
    public_id: &str,
    name: &str,
    corporate: Option<String>,
    accepted: bool,
    status: usize,
    star: usize,
    nanos: i64,
) -> Lookup {
    let t = chrono::DateTime::from_timestamp_nanos(nanos).naive_utc();
    Lookup {
        id,
        public_id: public_id.to_owned(),
        status: Status::ALL[status].code().to_owned(),
        star_level: Star::ALL[star].code().to_owned(),
        declared_at: t,
        accepted_at: accepted.then_some(t),
        star_since: t,
        corporate_number: corporate,
        organization_name: name.to_owned(),
        organization_name_key: crate::domain::name::name_key(name),
    }
}

/// Any short name, or a katakana name with a legal form before or after it (its key is then
/// part of the name), or one written with hiragana or full-width letters (its key is not).
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,12}",
        "(株式会社|有限会社|)[ァ-ヶ]{0,6}(株式会社|\\(株\\)|)",
        "(株式会社|)[ぁ-ゖＡ-Ｚ]{1,6}",
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (0usize..40, name(), proptest::option::of("[1-9][0-9]{12}"), any::<bool>(), 0usize..4, 0usize..2, 0i64..4_000_000_000_000_000_000)
            .prop_map(|(id, name, corporate, accepted, status, star, nanos)| Step::Put { id, name, corporate, accepted, status, star, nanos }),
        1 => Just(Step::Tidy),
        1 => Just(Step::Settle),
        1 => Just(Step::Compact),
    ]
}

proptest! {
    #[test]
    fn any_row_comes_back_exactly_or_is_refused(
        digits in "4[0-9]{10,11}",
        name in prop_oneof!["\\PC{0,60}", name()],
        corporate in proptest::option::of("[0-9]{13}"),
        accepted: bool,
        status in 0usize..4,
        star in 0usize..2,
        nanos in 0i64..4_000_000_000_000_000_000,
    ) {
        let r = drawn(1, &digits, &name, corporate, accepted, status, star, nanos);
        let mut store = Store::default();
        if store.put(&r) {
            prop_assert_eq!(store.get(&digits), Some(r.clone()));
            store.settle();
            prop_assert_eq!(store.get(&digits), Some(r));
        } else {
            // Only a corporate number of all zeros is refused (it would read as none).
            prop_assert!(r.corporate_number.as_deref().is_some_and(|n| n.bytes().all(|b| b == b'0')));
        }
    }

    /// Whatever the order of puts, replacements, merges and settles, the table answers what a
    /// plain map of the last row put per ID answers.
    #[test]
    fn the_table_answers_as_a_map_of_the_last_rows(steps in proptest::collection::vec(step(), 0..200)) {
        let ids: Vec<String> = (0..40u64).map(|i| format!("{}", 400_000_000_000 + i * 1_000_003)).collect();
        let mut store = Store::default();
        let mut model: HashMap<String, Lookup> = HashMap::new();
        for s in steps {
            match s {
                Step::Put { id, name, corporate, accepted, status, star, nanos } => {
                    let r = drawn(i64::try_from(id).unwrap(), &ids[id], &name, corporate, accepted, status, star, nanos);
                    prop_assert!(store.put(&r));
                    model.insert(r.public_id.clone(), r);
                }
                Step::Tidy => store.tidy(),
                Step::Settle => store.settle(),
                Step::Compact => {
                    store.compact();
                    prop_assert_eq!(store.garbage, 0);
                }
            }
            prop_assert!(store.keys.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(store.keys.iter().all(|k| !store.recent.contains_key(k)));
            prop_assert_eq!(store.len(), model.len());
        }
        for id in &ids {
            prop_assert_eq!(store.get(id), model.get(id).cloned());
        }
    }
}
