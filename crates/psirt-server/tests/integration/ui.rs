//! The HTML pages over plain HTTP: the same embargo rules as the API (role × embargo × every
//! case page and form), CSRF on every form, and the form flows' error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use psirt_domain::Role;
use psirt_store::cases::CasePatch;
use psirt_store::reports::TriageDecision;
use psirt_store::testing::Backend;
use psirt_store::Actor;
use reqwest::{header, StatusCode};

use crate::harness::{TestApp, PASSWORD};

/// A browser-like client that does not follow redirects (so a test sees where it is sent).
pub(crate) struct Browser {
    http: reqwest::Client,
    base: String,
    csrf: String,
}

impl Browser {
    pub(crate) fn new(app: &TestApp) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.base.clone(),
            csrf: String::new(),
        }
    }

    /// Logs in through the login form, as a browser does.
    pub(crate) async fn login(app: &TestApp, name: &str) -> Browser {
        let mut b = Browser::new(app);
        let (s, page) = b.get("/login").await;
        assert_eq!(s, StatusCode::OK);
        let form_token = hidden(&page, "csrf");
        let resp = b
            .post_raw(
                "/login",
                &[
                    ("csrf", form_token.as_str()),
                    ("username", name),
                    ("password", PASSWORD),
                    ("next", "/cases"),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "login of {name}");
        let (_, page) = b.get("/account/tokens").await;
        b.csrf = hidden(&page, "csrf");
        b
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// A GET that reports where a redirect points instead of following it.
    pub(crate) async fn get_location(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let to = r
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (r.status(), to)
    }

    pub(crate) async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form with this session's CSRF token.
    pub(crate) async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let mut fields = vec![("csrf", self.csrf.as_str())];
        fields.extend_from_slice(form);
        let r = self.post_raw(path, &fields).await;
        let status = r.status();
        let location = r
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = r.text().await.unwrap();
        (status, if location.is_empty() { body } else { location })
    }
}

/// The value of the first hidden input named `name` in a page.
pub(crate) fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in page"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// A form: its path, its fields, and whether this user may post it.
type FormPost<'a> = (String, Vec<(&'a str, &'a str)>, bool);

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
}

pub async fn ui_access_matrix(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sys = Actor::System("test");
    app.user("admin", Role::Admin, false).await;
    app.user("analyst", Role::Analyst, false).await;
    let member = app.user("member", Role::Engineer, false).await;
    app.user("other", Role::Engineer, false).await;
    app.user("viewer", Role::Viewer, false).await;
    let spare = app.user("spare", Role::Engineer, false).await;

    let mut cases = Vec::new();
    for (title, embargoed) in [("Embargoed zeroday", true), ("Public oldbug", false)] {
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
        let patch = CasePatch {
            embargoed: Some(embargoed),
            ..Default::default()
        };
        app.store.update_case(&sys, id, patch).await.unwrap();
        app.store
            .add_case_member(&sys, id, member.id)
            .await
            .unwrap();
        cases.push((id, embargoed, title));
    }

    let browsers = vec![
        (Who::Admin, Browser::login(&app, "admin").await),
        (Who::Analyst, Browser::login(&app, "analyst").await),
        (Who::Member, Browser::login(&app, "member").await),
        (Who::NonMember, Browser::login(&app, "other").await),
        (Who::Viewer, Browser::login(&app, "viewer").await),
        (Who::Anonymous, Browser::new(&app)),
    ];
    let mut checked = 0;
    for (who, b) in &browsers {
        let who = *who;
        for &(id, embargoed, title) in &cases {
            let visible = who.can_view(embargoed);
            let (s, page) = b.get(&format!("/cases/{id}")).await;
            let want = match who {
                Who::Anonymous => StatusCode::SEE_OTHER,
                _ if !visible => StatusCode::NOT_FOUND,
                _ => StatusCode::OK,
            };
            assert_eq!(s, want, "{who:?} embargoed={embargoed} GET case page");
            assert_eq!(page.contains(title), visible, "{who:?} sees title?");
            checked += 1;

            let spare_id = spare.id.to_string();
            let forms: Vec<FormPost> = vec![
                (
                    format!("/cases/{id}/comments"),
                    vec![("body", "ui note")],
                    who.psirt() || who == Who::Member,
                ),
                (
                    format!("/cases/{id}"),
                    vec![
                        ("title", title),
                        ("priority", "P3"),
                        ("embargoed", if embargoed { "on" } else { "" }),
                    ],
                    who.psirt(),
                ),
                (
                    format!("/cases/{id}/messages"),
                    vec![("body", "hello from the UI")],
                    who.psirt(),
                ),
                (
                    format!("/cases/{id}/members"),
                    vec![("user_id", spare_id.as_str())],
                    who.psirt(),
                ),
                (
                    format!("/cases/{id}/members/{}/remove", spare.id),
                    vec![],
                    who.psirt(),
                ),
                (
                    format!("/cases/{id}/transition"),
                    vec![("to", "closed")],
                    who.psirt(),
                ),
            ];
            for (path, fields, allowed) in forms {
                // An unticked checkbox is an absent field: keep the embargo as it is.
                let fields: Vec<(&str, &str)> =
                    fields.into_iter().filter(|(_, v)| !v.is_empty()).collect();
                let (s, body) = b.post(&path, &fields).await;
                let want = match who {
                    Who::Anonymous => StatusCode::SEE_OTHER,
                    _ if !visible => StatusCode::NOT_FOUND,
                    _ if !allowed => StatusCode::FORBIDDEN,
                    // Closing a case straight from triage is refused by the state machine.
                    _ if path.ends_with("/transition") => StatusCode::CONFLICT,
                    _ => StatusCode::SEE_OTHER,
                };
                assert_eq!(s, want, "{who:?} embargoed={embargoed} POST {path}: {body}");
                if who == Who::Anonymous {
                    assert!(body.starts_with("/login"), "{body}");
                } else if want == StatusCode::SEE_OTHER {
                    assert!(body.starts_with(&format!("/cases/{id}")), "{body}");
                }
                assert!(
                    !body.contains("zeroday") || visible,
                    "a refusal leaks nothing"
                );
                checked += 1;
            }

            // The list and the search show exactly the visible cases.
            for q in ["", "?q=zeroday", "?q=oldbug"] {
                let (s, page) = b.get(&format!("/cases{q}")).await;
                if who == Who::Anonymous {
                    assert_eq!(s, StatusCode::SEE_OTHER);
                    continue;
                }
                assert_eq!(s, StatusCode::OK);
                let listed = page.contains(&format!("href=\"/cases/{id}\""));
                let matches_query = q.is_empty() || title.to_lowercase().contains(&q[3..]);
                assert_eq!(
                    listed,
                    visible && matches_query,
                    "{who:?} /cases{q} lists {id}?"
                );
            }
        }
        // The queue: PSIRT only, 404 for the rest, login for anonymous.
        let (s, _) = b.get("/reports").await;
        let want = match who {
            Who::Anonymous => StatusCode::SEE_OTHER,
            w if w.psirt() => StatusCode::OK,
            _ => StatusCode::NOT_FOUND,
        };
        assert_eq!(s, want, "{who:?} GET /reports");
        // Admin pages: admins only.
        let (s, _) = b.get("/admin/users").await;
        let want = match who {
            Who::Anonymous => StatusCode::SEE_OTHER,
            Who::Admin => StatusCode::OK,
            _ => StatusCode::FORBIDDEN,
        };
        assert_eq!(s, want, "{who:?} GET /admin/users");
    }
    assert_eq!(checked, 6 * 2 * 7);
    app.finish().await;
}

pub async fn ui_csrf_and_forms(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ana", Role::Analyst, false).await;
    let b = Browser::login(&app, "ana").await;

    // Every staff form needs the session's token: none, or another one, is refused.
    let r = b.post_raw("/cases", &[("title", "forged")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b
        .post_raw("/cases", &[("csrf", "not-the-token"), ("title", "forged")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b
        .http
        .post(format!("{}/cases", b.base))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("csrf", b.csrf.as_str()), ("title", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (s, loc) = b.post("/cases", &[("title", "Real case")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(loc.starts_with("/cases/"), "{loc}");
    let all = app
        .store
        .cases(
            &psirt_domain::Viewer {
                user_id: 0,
                role: Role::Admin,
            },
            &Default::default(),
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1, "only the real case exists");

    // Bad field values are refused with the reason, not stored.
    let id = all.items[0].id;
    let (s, page) = b
        .post(
            &format!("/cases/{id}"),
            &[
                ("title", "Real case"),
                ("cwe_ids", "CWE-abc"),
                ("embargoed", "on"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("cwe_ids"), "{page}");
    assert!(app.store.case(id).await.unwrap().cwe_ids.is_empty());

    // The public report form: a double-submit token, field errors, nothing stored.
    let anon = Browser::new(&app);
    let r = anon
        .post_raw("/report", &[("title", "x"), ("description", "y")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no form token");
    let (_, form) = anon.get("/report").await;
    let token = hidden(&form, "csrf");
    let long_title = "t".repeat(5000);
    let r = anon
        .post_raw(
            "/report",
            &[
                ("csrf", token.as_str()),
                ("title", long_title.as_str()),
                ("description", " "),
                ("credit_preference", "named"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("title") && page.contains("description"),
        "{page}"
    );
    assert!(page.contains("id=\"form-errors\""));
    let stored = app.store.reports(None, &Default::default()).await.unwrap();
    assert!(stored.items.is_empty(), "nothing stored from a bad report");
    let r = anon
        .post_raw(
            "/report",
            &[
                ("csrf", token.as_str()),
                ("title", "<script>alert(1)</script>"),
                ("description", "XSS attempt"),
                ("credit_preference", "anonymous"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let page = r.text().await.unwrap();
    let link = page
        .split("id=\"tracking-link\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let path = link.strip_prefix(&app.base).unwrap().to_owned();
    let (s, track) = anon.get(&path).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        track.contains("&lt;script&gt;alert(1)") || track.contains("&#60;script&#62;alert(1)"),
        "escaped"
    );
    assert!(!track.contains("<script>alert(1)"), "never raw");
    let (s, _) = anon.get("/track/not-a-real-token").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Pages carry the security headers.
    let r = anon
        .http
        .get(format!("{}/report", app.base))
        .send()
        .await
        .unwrap();
    let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let (s, page) = anon.get("/no/such/page").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(page.contains("<html"), "an HTML 404 outside the API");
    app.finish().await;
}

pub async fn ui_login_password_logout(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let newbie = app.user("newbie", Role::Analyst, true).await;

    // Wrong password: the form again, 401, no session.
    let b = Browser::new(&app);
    let (_, page) = b.get("/login").await;
    let token = hidden(&page, "csrf");
    let r = b
        .post_raw(
            "/login",
            &[
                ("csrf", token.as_str()),
                ("username", "newbie"),
                ("password", "wrong password!"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Wrong username or password"));

    // A user who must change their password is held on the password page until they do.
    let r = b
        .post_raw(
            "/login",
            &[
                ("csrf", token.as_str()),
                ("username", "newbie"),
                ("password", PASSWORD),
                ("next", "/cases"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/account/password");
    let (s, _) = b.get("/cases").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "held on the password page");
    let (s, page) = b.get("/account/password").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("id=\"must-change\""));
    let mut b = b;
    b.csrf = hidden(&page, "csrf");
    let (s, page) = b
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("at least 12"), "{page}");
    let new = "a brand new long password";
    let (s, loc) = b
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let (s, _) = b.get("/cases").await;
    assert_eq!(s, StatusCode::OK, "free to work after the change");

    // API tokens from the UI: shown once, then revocable.
    let (s, page) = b
        .post(
            "/account/tokens",
            &[("name", "ci"), ("expires_in_days", "30")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let secret = page
        .split("id=\"new-token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("psirt_"));
    let api = reqwest::Client::new();
    let me = api
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let tokens = app.store.api_tokens(newbie.id).await.unwrap();
    let tid = tokens.first().map(|t| t.id).expect("token row");
    let (s, _) = b.post(&format!("/account/tokens/{tid}/revoke"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let me = api
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "revoked");

    // Logout ends the session server-side.
    let (s, loc) = b.post("/logout", &[]).await;
    assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/login"));
    let (s, _) = b.get("/cases").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    app.finish().await;
}
