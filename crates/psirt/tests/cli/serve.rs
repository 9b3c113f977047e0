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

/// `psirt serve` on a free loopback port with its own SQLite file, `args` after the listen address and
/// `env` set; returns once `/metrics` answers, with that first answer (no token, no forwarding headers).
fn serve(args: &[&str], env: &[(&str, &str)]) -> (Server, tempfile::TempDir, u16, String) {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_psirt"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--feed-sync-tick", "0"])
            .args(args)
            .env(
                "DATABASE_URL",
                format!("sqlite:{}", dir.path().join("psirt.db").display()),
            )
            .envs(env.iter().copied())
            .env_remove("PSIRT_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    for _ in 0..100 {
        if let Some(answer) = get(port, "/metrics", None) {
            return (server, dir, port, answer);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("psirt serve did not answer on port {port}");
}

#[test]
fn serve_applies_metrics_token() {
    let (_server, _dir, port, denied) = serve(
        &["--metrics-token", "tok-123", "--metrics-no-loopback"],
        &[],
    );
    assert!(denied.starts_with("HTTP/1.1 401"), "{denied}");
    let allowed = get(port, "/metrics", Some("tok-123")).unwrap();
    assert!(
        allowed.starts_with("HTTP/1.1 200") && allowed.contains("psirt_outbox_pending"),
        "{allowed}"
    );
}

#[test]
fn serve_trusts_configured_proxies() {
    let (_server, _dir, port, local) =
        serve(&[], &[("PSIRT_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,")]);
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
    // Spawned, not run to completion: were the value accepted, the server would run on, and the
    // test must fail rather than hang.
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_psirt"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args([
                "--trusted-proxy",
                "10.0.0.0/8",
                "--trusted-proxy",
                "proxy.local",
            ])
            .env(
                "DATABASE_URL",
                format!("sqlite:{}", dir.path().join("psirt.db").display()),
            )
            .env_remove("PSIRT_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut status = None;
    for _ in 0..100 {
        status = server.0.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = status.expect("psirt serve refused the value and exited");
    let mut stderr = String::new();
    if let Some(mut e) = server.0.stderr.take() {
        e.read_to_string(&mut stderr).unwrap();
    }
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--trusted-proxy")
            && stderr.contains("`proxy.local` is not an IP address or CIDR network"),
        "{stderr}"
    );
}
