//! THE ACCESS MATRIX: role × embargo × every case endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::Role;
use psirt_store::cases::CasePatch;
use psirt_store::reports::TriageDecision;
use psirt_store::testing::Backend;
use psirt_store::Actor;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Client, TestApp};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Admin,
    Analyst,
    Member,
    NonMember,
    Viewer,
    Anonymous,
}

impl Who {
    fn psirt(self) -> bool {
        matches!(self, Who::Admin | Who::Analyst)
    }
    fn can_view(self, embargoed: bool) -> bool {
        self.psirt() || self == Who::Member || (!embargoed && self != Who::Anonymous)
    }
    fn can_comment(self) -> bool {
        self.psirt() || self == Who::Member
    }
}

/// What a request should get: 401 for anonymous, 404 when invisible, 403 when visible but
/// forbidden, success otherwise.
fn expected(who: Who, embargoed: bool, allowed: bool, ok: StatusCode) -> StatusCode {
    if who == Who::Anonymous {
        StatusCode::UNAUTHORIZED
    } else if !who.can_view(embargoed) {
        StatusCode::NOT_FOUND
    } else if !allowed {
        StatusCode::FORBIDDEN
    } else {
        ok
    }
}

pub async fn access_matrix(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sys = Actor::System("test");
    app.user("admin", Role::Admin, false).await;
    app.user("analyst", Role::Analyst, false).await;
    let member = app.user("member", Role::Engineer, false).await;
    app.user("other", Role::Engineer, false).await;
    app.user("viewer", Role::Viewer, false).await;
    let spare = app.user("spare", Role::Engineer, false).await;

    // Two cases, each from a report (so messages to the reporter work): one embargoed, one public.
    let mut cases = Vec::new();
    for (title, embargoed) in [
        ("Embargoed secret flaw", true),
        ("Public known flaw", false),
    ] {
        let sub = app
            .store
            .submit_report(
                psirt_domain::NewReport {
                    title: title.into(),
                    description: "d".into(),
                    credit_preference: psirt_domain::CreditPreference::Anonymous,
                    ..Default::default()
                },
                psirt_domain::ReportChannel::Web,
            )
            .await
            .unwrap();
        let r = app
            .store
            .triage_report(&sys, sub.report.id, TriageDecision::NewCase { title: None })
            .await
            .unwrap();
        let id = r.case_id.unwrap();
        app.store
            .update_case(
                &sys,
                id,
                CasePatch {
                    embargoed: Some(embargoed),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        app.store
            .add_case_member(&sys, id, member.id)
            .await
            .unwrap();
        cases.push((id, embargoed, title));
    }

    let clients: Vec<(Who, Client)> = vec![
        (Who::Admin, app.login("admin").await),
        (Who::Analyst, app.login("analyst").await),
        (Who::Member, app.login("member").await),
        (Who::NonMember, app.login("other").await),
        (
            Who::Viewer,
            app.bearer(&app.store.user(member.id + 2).await.unwrap())
                .await,
        ),
        (Who::Anonymous, app.anonymous()),
    ];
    assert_eq!(
        app.store.user(member.id + 2).await.unwrap().username,
        "viewer"
    );

    let mut checked = 0;
    for (who, c) in &clients {
        let who = *who;
        for &(id, embargoed, title) in &cases {
            let base = format!("/api/v1/cases/{id}");
            let check = |got: StatusCode, allowed: bool, ok: StatusCode, what: &str| {
                let want = expected(who, embargoed, allowed, ok);
                assert_eq!(got, want, "{who:?} embargoed={embargoed} {what}");
            };
            for path in [
                "",
                "/comments",
                "/messages",
                "/timeline",
                "/cvss",
                "/clocks",
            ] {
                check(
                    c.get(&format!("{base}{path}")).await.0,
                    true,
                    StatusCode::OK,
                    &format!("GET {path}"),
                );
                checked += 1;
            }
            let s = c
                .post(&format!("{base}/comments"), json!({"body": "note"}))
                .await
                .0;
            check(s, who.can_comment(), StatusCode::CREATED, "POST comments");
            let s = c
                .send(Method::PATCH, &base, Some(json!({"priority": "P2"})))
                .await
                .0;
            check(s, who.psirt(), StatusCode::OK, "PATCH");
            let state = app.store.case(id).await.unwrap().state;
            let body = match state {
                psirt_domain::CaseState::Triage => {
                    json!({"to": "rejected", "resolution": "invalid"})
                }
                _ => json!({"to": "triage"}),
            };
            let s = c.post(&format!("{base}/transition"), body).await.0;
            check(s, who.psirt(), StatusCode::OK, "POST transition");
            let s = c
                .post(
                    &format!("{base}/messages"),
                    json!({"body": "hello reporter"}),
                )
                .await
                .0;
            check(s, who.psirt(), StatusCode::CREATED, "POST messages");
            let s = c
                .send(Method::PUT, &format!("{base}/members/{}", spare.id), None)
                .await
                .0;
            check(s, who.psirt(), StatusCode::OK, "PUT member");
            let s = c
                .send(
                    Method::DELETE,
                    &format!("{base}/members/{}", spare.id),
                    None,
                )
                .await
                .0;
            check(s, who.psirt(), StatusCode::OK, "DELETE member");
            let s = c
                .post(
                    &format!("{base}/cvss"),
                    json!({"vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}),
                )
                .await
                .0;
            check(s, who.psirt(), StatusCode::CREATED, "POST cvss");
            // An exception on the case's newest clock: granted (or refused as a closed clock's
            // would be) only for the PSIRT; hidden like the case for everyone else.
            let clock = app.store.case_clocks(id).await.unwrap().pop().unwrap();
            let (ok, resumed) =
                if clock.clock.state() == psirt_domain::deadline::ClockState::Running {
                    (StatusCode::OK, StatusCode::OK)
                } else {
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                };
            let s = c
                .post(
                    &format!("{base}/clocks/{}/pause", clock.id),
                    json!({"reason": "approved"}),
                )
                .await
                .0;
            check(s, who.psirt(), ok, "POST clock pause");
            let s = c
                .post(&format!("{base}/clocks/{}/resume", clock.id), json!({}))
                .await
                .0;
            check(s, who.psirt(), resumed, "POST clock resume");
            checked += 9;

            // Lists and search show exactly the visible cases.
            for q in [
                String::new(),
                format!("?q={}", title.split(' ').next().unwrap()),
            ] {
                let (s, list) = c.get(&format!("/api/v1/cases{q}")).await;
                if who == Who::Anonymous {
                    assert_eq!(s, StatusCode::UNAUTHORIZED);
                    continue;
                }
                assert_eq!(s, StatusCode::OK);
                let ids: Vec<i64> = list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_i64().unwrap())
                    .collect();
                assert_eq!(
                    ids.contains(&id),
                    who.can_view(embargoed),
                    "{who:?} list{q} {ids:?}"
                );
            }
            // A case that does not exist looks exactly like an invisible one.
            if who != Who::Anonymous {
                assert_eq!(c.get("/api/v1/cases/999999").await.0, StatusCode::NOT_FOUND);
            }
        }
        // The intake queue and triage: PSIRT only, 404 for the rest.
        let s = c.get("/api/v1/reports").await.0;
        let want = match who {
            Who::Anonymous => StatusCode::UNAUTHORIZED,
            w if w.psirt() => StatusCode::OK,
            _ => StatusCode::NOT_FOUND,
        };
        assert_eq!(s, want, "{who:?} GET /reports");
        let s = c.post("/api/v1/cases", json!({"title": "new"})).await.0;
        let want = match who {
            Who::Anonymous => StatusCode::UNAUTHORIZED,
            w if w.psirt() => StatusCode::CREATED,
            _ => StatusCode::FORBIDDEN,
        };
        assert_eq!(s, want, "{who:?} POST /cases");
    }
    assert_eq!(checked, 6 * 2 * 15);
    app.finish().await;
}
