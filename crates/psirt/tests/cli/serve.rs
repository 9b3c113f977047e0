//! `psirt serve` with the operations options: `/metrics` answers only with the scrape token
//! once loopback trust is off.

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
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
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
