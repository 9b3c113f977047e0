//! The few W3C WebDriver commands the browser test needs, over plain HTTP to chromedriver.
//! (A WebDriver crate would bring a second HTTP stack and Unicode data tables into every build.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

/// The key under which W3C WebDriver returns an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub enum Locator<'a> {
    Css(&'a str),
    LinkText(&'a str),
}

impl Locator<'_> {
    fn json(&self) -> Value {
        match self {
            Locator::Css(s) => json!({"using": "css selector", "value": s}),
            Locator::LinkText(s) => json!({"using": "link text", "value": s}),
        }
    }
    fn describe(&self) -> String {
        match self {
            Locator::Css(s) => format!("css {s}"),
            Locator::LinkText(s) => format!("link text {s}"),
        }
    }
}

pub struct Client {
    http: reqwest::Client,
    session: String,
}

pub struct Element<'a> {
    client: &'a Client,
    id: String,
}

impl Client {
    /// Opens a session with `capabilities` (the `alwaysMatch` object).
    pub async fn connect(url: &str, capabilities: Value) -> Result<Client, String> {
        let http = reqwest::Client::new();
        let resp = http
            .post(format!("{url}/session"))
            .json(&json!({"capabilities": {"alwaysMatch": capabilities}}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let body: Value = resp.json().await.map_err(|e| e.to_string())?;
        let id = body["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session: {body}"))?;
        Ok(Client {
            http,
            session: format!("{url}/session/{id}"),
        })
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut r = self.http.request(method, format!("{}{path}", self.session));
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.map_err(|e| e.to_string())?;
        let ok = resp.status().is_success();
        let body: Value = resp.json().await.map_err(|e| e.to_string())?;
        if ok {
            Ok(body["value"].clone())
        } else {
            Err(format!(
                "{}: {}",
                body["value"]["error"], body["value"]["message"]
            ))
        }
    }

    pub async fn goto(&self, url: &str) {
        self.call(Method::POST, "/url", Some(json!({"url": url})))
            .await
            .unwrap();
    }

    pub async fn find(&self, locator: &Locator<'_>) -> Result<Element<'_>, String> {
        let v = self
            .call(Method::POST, "/element", Some(locator.json()))
            .await?;
        let id = v[ELEMENT]
            .as_str()
            .ok_or_else(|| format!("no element in {v}"))?;
        Ok(Element {
            client: self,
            id: id.to_owned(),
        })
    }

    /// Waits up to 10 s for the element: a click that submits a form returns before the next
    /// page loads.
    pub async fn wait_for(&self, locator: Locator<'_>) -> Element<'_> {
        let mut last = String::new();
        for _ in 0..100 {
            match self.find(&locator).await {
                Ok(e) => return e,
                Err(e) => last = e,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{}: {last}", locator.describe());
    }

    /// Runs `script` in the page and returns its value.
    pub async fn execute(&self, script: &str) -> Value {
        self.call(
            Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
        .unwrap()
    }

    pub async fn delete_all_cookies(&self) {
        self.call(Method::DELETE, "/cookie", None).await.unwrap();
    }

    pub async fn set_window_size(&self, width: u32, height: u32) {
        self.call(
            Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await
        .unwrap();
    }

    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let v = self.call(Method::GET, "/screenshot", None).await.unwrap();
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .unwrap()
    }

    pub async fn close(self) {
        let _ = self.call(Method::DELETE, "", None).await;
    }
}

impl Element<'_> {
    fn path(&self, what: &str) -> String {
        format!("/element/{}/{what}", self.id)
    }

    pub async fn click(&self) -> Result<(), String> {
        self.client
            .call(Method::POST, &self.path("click"), Some(json!({})))
            .await
            .map(drop)
    }

    pub async fn clear(&self) -> Result<(), String> {
        self.client
            .call(Method::POST, &self.path("clear"), Some(json!({})))
            .await
            .map(drop)
    }

    pub async fn send_keys(&self, text: &str) -> Result<(), String> {
        self.client
            .call(
                Method::POST,
                &self.path("value"),
                Some(json!({"text": text})),
            )
            .await
            .map(drop)
    }

    pub async fn text(&self) -> Result<String, String> {
        let v = self
            .client
            .call(Method::GET, &self.path("text"), None)
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    pub async fn attr(&self, name: &str) -> Result<Option<String>, String> {
        let v = self
            .client
            .call(Method::GET, &self.path(&format!("attribute/{name}")), None)
            .await?;
        Ok(v.as_str().map(str::to_owned))
    }
}
