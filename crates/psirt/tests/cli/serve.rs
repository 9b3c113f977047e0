//! `psirt serve` with the operations options: `/metrics` answers only with the scrape token
//! once loopback trust is off; trusted proxies name the client; a bad proxy value is refused.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(port: u16, path: &str, token: Option<&str>) -> Option<String> {
    get_with(port, path, token, "")
}

/// GET with `extra` header lines (each ending in `\r\n`).
fn get_with(port: u16, path: &str, token: Option<&str>, extra: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n{extra}"))
        .unwrap_or_else(|| extra.to_owned());
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn serve_applies_metrics_token() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_psirt"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--metrics-token",
                "tok-123",
                "--metrics-no-loopback",
                "--feed-sync-tick",
                "0",
            ])
            .env(
                "DATABASE_URL",
                format!("sqlite:{}", dir.path().join("psirt.db").display()),
            )
            .env_remove("PSIRT_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut answer = None;
    for _ in 0..100 {
        answer = get(port, "/metrics", None);
        if answer.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let denied = answer.expect("psirt serve answers");
    assert!(denied.starts_with("HTTP/1.1 401"), "{denied}");
    let allowed = get(port, "/metrics", Some("tok-123")).unwrap();
    assert!(
        allowed.starts_with("HTTP/1.1 200") && allowed.contains("psirt_outbox_pending"),
        "{allowed}"
    );
}

#[test]
fn serve_trusts_configured_proxies() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_psirt"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--feed-sync-tick",
                "0",
            ])
            .env(
                "DATABASE_URL",
                format!("sqlite:{}", dir.path().join("psirt.db").display()),
            )
            .env("PSIRT_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,")
            .env_remove("PSIRT_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut answer = None;
    for _ in 0..100 {
        answer = get(port, "/metrics", None);
        if answer.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let local = answer.expect("psirt serve answers");
    assert!(local.starts_with("HTTP/1.1 200"), "{local}");
    // The trusted local proxy forwards an internet client: not loopback.
    let remote = get_with(port, "/metrics", None, "X-Forwarded-For: 203.0.113.9\r\n").unwrap();
    assert!(remote.starts_with("HTTP/1.1 401"), "{remote}");
    // ... and a local one (refused were 127.0.0.1 not trusted: a forwarded request).
    let proxied_local = get_with(port, "/metrics", None, "X-Forwarded-For: 127.0.0.1\r\n").unwrap();
    assert!(proxied_local.starts_with("HTTP/1.1 200"), "{proxied_local}");
}

#[test]
fn serve_refuses_a_bad_trusted_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = crate::psirt(
        &dir.path().join("psirt.db"),
        &[
            "serve",
            "--trusted-proxy",
            "10.0.0.0/8",
            "--trusted-proxy",
            "proxy.local",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--trusted-proxy")
            && stderr.contains("`proxy.local` is not an IP address or CIDR network"),
        "{stderr}"
    );
}
