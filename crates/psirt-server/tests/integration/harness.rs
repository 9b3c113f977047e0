//! A live server on a fresh database, and a small JSON client.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use psirt_domain::Role;
use psirt_server::Config;
use psirt_store::testing::{Backend, TestDb};
use psirt_store::users::NewUser;
use psirt_store::{Actor, Store, User};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const PASSWORD: &str = "a long enough password";

pub struct TestApp {
    pub base: String,
    pub store: Store,
    db: TestDb,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestApp {
    /// Runs raw SQL (statements separated by `;`) on the app's database: a test's way to make the database refuse
    /// something.
    pub async fn exec(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self.store.pool() {
            psirt_store::Pool::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(drop),
            psirt_store::Pool::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(drop),
        }
        .unwrap();
    }

    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, Config::default()).await
    }

    pub async fn spawn_with(backend: Backend, mut config: Config) -> TestApp {
        let db = TestDb::new(backend).await.expect("test database");
        let store = db.store().await.expect("store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        config.public_url = base.clone();
        let task = tokio::spawn(psirt_server::serve(listener, store.clone(), config));
        TestApp {
            base,
            store,
            db,
            task,
        }
    }

    /// Kills the server (and its workers) mid-whatever and starts a new one on the same database.
    pub async fn kill_and_restart(&mut self, mut config: Config) {
        self.task.abort();
        let _ = (&mut self.task).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.base = format!("http://{}", listener.local_addr().unwrap());
        config.public_url = self.base.clone();
        self.task = tokio::spawn(psirt_server::serve(listener, self.store.clone(), config));
    }

    pub async fn finish(self) {
        self.task.abort();
        self.store.close().await;
        self.db.cleanup().await;
    }

    pub fn anonymous(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap(),
            base: self.base.clone(),
            csrf: None,
            bearer: None,
        }
    }

    pub async fn user(&self, name: &str, role: Role, must_change_password: bool) -> User {
        self.store
            .create_user(
                &Actor::System("test"),
                NewUser {
                    username: name.into(),
                    role,
                    password: PASSWORD.into(),
                    display_name: String::new(),
                    email: String::new(),
                    must_change_password,
                },
            )
            .await
            .unwrap()
    }

    /// A cookie-session client for `name` (logged in through the API).
    pub async fn login(&self, name: &str) -> Client {
        let mut c = self.anonymous();
        let (status, body) = c
            .send(
                Method::POST,
                "/api/v1/auth/login",
                Some(serde_json::json!({"username": name, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        c.csrf = Some(body["csrf_token"].as_str().unwrap().to_owned());
        c
    }

    /// A Bearer-token client for an existing user.
    pub async fn bearer(&self, user: &User) -> Client {
        let t = self
            .store
            .create_api_token(&Actor::System("test"), user.id, "test", None)
            .await
            .unwrap();
        let mut c = self.anonymous();
        c.bearer = Some(t.secret);
        c
    }
}

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl Client {
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.csrf {
            r = r.header("X-CSRF-Token", t);
        }
        if let Some(b) = &self.bearer {
            r = r.bearer_auth(b);
        }
        r
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut r = self.request(method, path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }
}
