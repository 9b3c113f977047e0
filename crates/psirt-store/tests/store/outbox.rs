//! The outbox: messages written with the change, claimed with a lease, retried, dead after
//! the last attempt, redelivered by an admin.

use psirt_store::cases::NewCase;
use psirt_store::outbox::{Delivery, MAX_ATTEMPTS};
use psirt_store::{Store, StoreError};

use super::{admin, run};

both_backends!(
    outbox_retries_dead_letters_and_redelivery,
    clock_warnings_go_once_to_the_assignee_or_the_psirt,
    a_superseded_claim_changes_nothing,
);

/// A webhook subscribed to `case.create`: each new case writes one message.
async fn subscribe_to_case_creation(store: &Store) {
    store
        .create_webhook(
            &admin(),
            "http://127.0.0.1:9/hook",
            "0123456789abcdef",
            &["case.create".into()],
        )
        .await
        .unwrap();
}

async fn new_case(store: &Store, title: &str) {
    let case = NewCase {
        title: title.into(),
        description: String::new(),
        severity: None,
        priority: None,
        embargoed: true,
    };
    store.create_case(&admin(), case).await.unwrap();
}

async fn outbox_retries_dead_letters_and_redelivery(store: Store) {
    subscribe_to_case_creation(&store).await;
    new_case(&store, "one").await;
    let lease = time::Duration::minutes(1);
    let claimed = store.claim_outbox(&["webhook"], 10, lease).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 1);
    // Held by its lease: a second worker does not get it.
    assert!(store
        .claim_outbox(&["webhook"], 10, lease)
        .await
        .unwrap()
        .is_empty());
    // Renewing a claim holds the message as long again; a claim another worker took since (its lease ran out
    // while the message waited) is not ours to renew.
    assert!(store.renew_claim(&claimed[0], lease).await.unwrap());
    let stale = store
        .claim_outbox(&["webhook"], 10, time::Duration::ZERO)
        .await
        .unwrap();
    assert!(stale.is_empty(), "renewed: still held");
    assert!(store
        .renew_claim(&claimed[0], time::Duration::ZERO)
        .await
        .unwrap());
    // A lease that ends now is over once the clock has moved on (read within the same microsecond, it was not yet:
    // this test failed now and then).
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let taken = store.claim_outbox(&["webhook"], 10, lease).await.unwrap();
    assert_eq!(
        (taken.len(), taken[0].attempts),
        (1, 2),
        "lease over: another worker takes it"
    );
    assert!(
        !store.renew_claim(&claimed[0], lease).await.unwrap(),
        "not ours any more"
    );
    assert!(store.renew_claim(&taken[0], lease).await.unwrap());
    // Fail it up to the last attempt, due again at once: a back-off of minus one second, so that the next claim
    // finds it due even if the wall clock steps back a little between the two (a zero back-off failed once in CI).
    let mut m = taken[0].clone();
    for attempt in 2..=MAX_ATTEMPTS {
        assert_eq!(m.attempts, attempt);
        store
            .finish_delivery(
                &m,
                &Delivery::Failed("HTTP 500".into(), -time::Duration::SECOND),
            )
            .await
            .unwrap();
        if attempt < MAX_ATTEMPTS {
            m = store
                .claim_outbox(&["webhook"], 10, lease)
                .await
                .unwrap()
                .remove(0);
        }
    }
    let dead = store.outbox(Some("dead"), 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("HTTP 500"));
    assert!(store
        .claim_outbox(&["webhook"], 10, lease)
        .await
        .unwrap()
        .is_empty());
    // The first claim was abandoned (no outcome); every later attempt is logged.
    assert_eq!(
        store.outbox_attempts(dead[0].id).await.unwrap().len(),
        MAX_ATTEMPTS as usize - 1
    );
    // An admin redelivers it.
    store.redeliver(&admin(), dead[0].id).await.unwrap();
    let again = store.claim_outbox(&["webhook"], 10, lease).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 1));
    store
        .finish_delivery(&again[0], &Delivery::Delivered("HTTP 204".into()))
        .await
        .unwrap();
    assert!(matches!(
        store.redeliver(&admin(), dead[0].id).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.outbox(Some("delivered"), 10).await.unwrap().len(), 1);
    // Unsubscribed actions write nothing.
    store
        .transition_case(&admin(), 1, psirt_domain::CaseState::Triage, None)
        .await
        .unwrap();
    assert_eq!(store.outbox(None, 10).await.unwrap().len(), 1);
}

async fn clock_warnings_go_once_to_the_assignee_or_the_psirt(store: Store) {
    use psirt_domain::{Role, Severity};
    use psirt_store::cases::CasePatch;
    use psirt_store::users::NewUser;
    let mk = |name: &str, role: Role, email: &str| NewUser {
        username: name.into(),
        role,
        password: "a long enough password".into(),
        display_name: String::new(),
        email: email.into(),
        must_change_password: false,
    };
    let ana = store
        .create_user(&admin(), mk("ana", Role::Analyst, "ana@example.org"))
        .await
        .unwrap();
    let eng = store
        .create_user(&admin(), mk("eng", Role::Engineer, "eng@example.org"))
        .await
        .unwrap();
    let case = |title: &str| NewCase {
        title: title.into(),
        description: String::new(),
        severity: Some(Severity::S1),
        priority: None,
        embargoed: true,
    };
    // S1: the mitigate clock is due in 24 h, so it warns now.
    let unassigned = store.create_case(&admin(), case("no one")).await.unwrap();
    let assigned = store.create_case(&admin(), case("someone")).await.unwrap();
    store
        .add_case_member(&admin(), assigned.id, eng.id)
        .await
        .unwrap();
    store
        .update_case(
            &admin(),
            assigned.id,
            CasePatch {
                assignee_id: Some(Some(eng.id)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let before = store.outbox(Some("pending"), 100).await.unwrap().len();
    assert_eq!(store.enqueue_clock_warnings().await.unwrap(), 2);
    assert_eq!(
        store.enqueue_clock_warnings().await.unwrap(),
        0,
        "once per clock, phase and due time"
    );
    let warnings: Vec<_> = store
        .outbox(Some("pending"), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.event == "clock.warning")
        .collect();
    assert_eq!(
        warnings.len() + before,
        store.outbox(Some("pending"), 100).await.unwrap().len()
    );
    let to = |case_id: i64| -> Vec<String> {
        let mut v: Vec<String> = warnings
            .iter()
            .filter(|m| m.payload.contains(&format!("\"case_id\":{case_id}")))
            .map(|m| m.recipient.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(to(assigned.id), vec!["eng@example.org"]);
    assert_eq!(to(unassigned.id), vec![ana.email.clone()]);
    // No case title in a warning (it may be embargoed).
    assert!(warnings
        .iter()
        .all(|m| !m.payload.contains("someone") && !m.payload.contains("no one")));
}

/// A worker whose claim was superseded (its lease ran out, an admin redelivered, another worker claimed: the same
/// `attempts` again) can neither renew it nor undo the other's outcome; a redelivery keeps a running lease.
async fn a_superseded_claim_changes_nothing(store: Store) {
    subscribe_to_case_creation(&store).await;
    new_case(&store, "one").await;
    let (minute, none) = (time::Duration::minutes(1), time::Duration::ZERO);
    let first = store
        .claim_outbox(&["webhook"], 10, none)
        .await
        .unwrap()
        .remove(0);
    store.redeliver(&admin(), first.id).await.unwrap();
    let second = store
        .claim_outbox(&["webhook"], 10, minute)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        second.attempts, first.attempts,
        "the attempt count came round again"
    );
    assert!(!store.renew_claim(&first, minute).await.unwrap());
    assert!(store.renew_claim(&second, minute).await.unwrap());
    let failed = Delivery::Failed("HTTP 500".into(), time::Duration::ZERO);
    store.finish_delivery(&first, &failed).await.unwrap();
    assert!(
        store
            .claim_outbox(&["webhook"], 10, minute)
            .await
            .unwrap()
            .is_empty(),
        "still held by the second claim"
    );
    store
        .finish_delivery(&second, &Delivery::Delivered("HTTP 204".into()))
        .await
        .unwrap();
    store.finish_delivery(&first, &failed).await.unwrap();
    assert_eq!(
        store.outbox(Some("delivered"), 10).await.unwrap().len(),
        1,
        "not pending again"
    );
    assert_eq!(
        store.outbox_attempts(first.id).await.unwrap().len(),
        3,
        "every outcome logged"
    );

    // Redelivering a message a worker is delivering now keeps that worker's lease.
    new_case(&store, "two").await;
    let held = store
        .claim_outbox(&["webhook"], 10, minute)
        .await
        .unwrap()
        .remove(0);
    store.redeliver(&admin(), held.id).await.unwrap();
    assert!(store
        .claim_outbox(&["webhook"], 10, minute)
        .await
        .unwrap()
        .is_empty());
    assert!(store.renew_claim(&held, minute).await.unwrap());
    // Its failure then leaves the message due at once, as the redelivery asked, not after the worker's back-off.
    let hour = Delivery::Failed("HTTP 503".into(), time::Duration::HOUR);
    store.finish_delivery(&held, &hour).await.unwrap();
    let again = store.claim_outbox(&["webhook"], 10, minute).await.unwrap();
    assert_eq!(again.len(), 1, "due now");
    assert_eq!(again[0].attempts, 1);
}
