//! Who is asking: session cookies (with CSRF) and Bearer API tokens; per-IP rate limits.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use ipnet::{IpNet, Ipv4Net};
use psirt_domain::Viewer;
use psirt_store::{Actor, User};

use crate::error::ApiError;
use crate::AppState;

pub const SESSION_COOKIE: &str = "psirt_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Session { session_id: i64 },
    ApiToken,
}

/// An authenticated staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: User,
    pub method: AuthMethod,
    /// The session's CSRF token (cookie sessions only).
    pub csrf_token: Option<String>,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor::User {
            id: self.user.id,
            username: self.user.username.clone(),
        }
    }
    pub fn viewer(&self) -> Viewer {
        Viewer {
            user_id: self.user.id,
            role: self.user.role,
        }
    }
}

pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Paths a user who must change their password may still use.
const PASSWORD_CHANGE_PATHS: &[&str] =
    &["/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"];

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(cached) = parts.extensions.get::<Staff>() {
            return Ok(cached.clone());
        }
        let staff = if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or(ApiError::Unauthorized(
                    "expected `Authorization: Bearer psirt_...`",
                ))?;
            let user = state.store.user_for_api_token(token.trim()).await?.ok_or(
                ApiError::Unauthorized("invalid, expired or revoked API token"),
            )?;
            Staff {
                user,
                method: AuthMethod::ApiToken,
                csrf_token: None,
            }
        } else {
            let staff = session_staff(&parts.headers, state)
                .await?
                .ok_or(ApiError::Unauthorized("login required"))?;
            let unsafe_method =
                !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            if unsafe_method {
                check_same_site(&parts.headers)?;
                let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                if !staff.csrf_matches(sent) {
                    return Err(ApiError::Forbidden("missing or wrong X-CSRF-Token header"));
                }
            }
            staff
        };
        if staff.user.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&parts.uri.path()) {
            return Err(ApiError::Forbidden("password change required"));
        }
        parts.extensions.insert(staff.clone());
        Ok(staff)
    }
}

/// The staff member whose session cookie came with the request, without any CSRF check:
/// callers check the token where the request carries it (header for the API, form field for the UI).
pub(crate) async fn session_staff(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Option<Staff>, ApiError> {
    let Some(secret) = cookie_value(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(state.store.session(secret).await?.map(|session| Staff {
        user: session.user,
        method: AuthMethod::Session {
            session_id: session.id,
        },
        csrf_token: Some(session.csrf_token),
    }))
}

/// Browsers say where a request comes from; a cross-site state change is refused outright.
pub(crate) fn check_same_site(headers: &HeaderMap) -> Result<(), ApiError> {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err(ApiError::Forbidden("cross-site request refused"));
    }
    Ok(())
}

impl Staff {
    /// Whether `sent` is this session's CSRF token (never true for API tokens, which need none).
    pub fn csrf_matches(&self, sent: Option<&str>) -> bool {
        match (&self.csrf_token, sent) {
            (Some(expected), Some(sent)) => constant_time_eq(sent.as_bytes(), expected.as_bytes()),
            _ => false,
        }
    }
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address, 0.0.0.0 when unknown: the TCP peer, or, when the peer is a configured
/// trusted proxy ([`crate::Config::trusted_proxies`]), the client named in `X-Forwarded-For`
/// (see [`forwarded_client`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
        else {
            return Ok(ClientIp(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
        };
        Ok(ClientIp(client_addr(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

pub const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client behind `peer`: the address [`forwarded_client`] finds in the request's
/// `X-Forwarded-For` headers, else the peer itself (IPv4-mapped IPv6 in its IPv4 form).
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    forwarded_client(peer, forwarded_for_values(headers), trusted).unwrap_or(peer.to_canonical())
}

/// Every `X-Forwarded-For` header value in order, as raw bytes (a value need not be ASCII: each
/// entry is read on its own, see [`forwarded_entries`]).
pub fn forwarded_for_values(headers: &HeaderMap) -> impl Iterator<Item = &[u8]> {
    headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .map(|v| v.as_bytes())
}

/// Every entry of the `X-Forwarded-For` values (`header_values`, every occurrence of the header
/// in order, each a comma-separated list), left to right, each parsed on its own: an entry that
/// is not UTF-8 or not an IP address is `None`, without making its neighbours unreadable (a
/// client's broken entry must not hide the entry its proxy appended).
pub fn forwarded_entries<'a>(
    header_values: impl IntoIterator<Item = &'a [u8]>,
) -> Vec<Option<IpAddr>> {
    header_values
        .into_iter()
        .flat_map(|v| v.split(|b| *b == b','))
        .map(|entry| {
            std::str::from_utf8(entry)
                .ok()
                .and_then(|e| parse_forwarded_entry(e.trim()))
        })
        .collect()
}

/// Whether `ip` is inside one of the `trusted` networks (compared in canonical form).
pub fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    let ip = ip.to_canonical();
    trusted.iter().any(|net| net.contains(&ip))
}

/// The client address a trusted proxy reports, `None` when the peer's own address is to be used.
///
/// Only when `peer` is a trusted proxy are the `X-Forwarded-For` values (`header_values`, every
/// occurrence of the header in order, each a comma-separated list, see [`forwarded_entries`])
/// read: they are walked from the right, skipping addresses that are themselves trusted
/// proxies, and the first untrusted address is the client. When every entry is trusted, the
/// client is the right-most entry (the hop nearest to us, written by our trusted proxy), never
/// one further left: the client itself may have written those (`X-Forwarded-For: 127.0.0.1`
/// sent by a host in a trusted network becomes `127.0.0.1, <host>`). Entries left of the
/// client are only walked past, never returned. `None` when the peer is not trusted, no header
/// was sent, or an entry reached in the walk is not an IP address (garbage is never trusted).
/// Entries may carry a port (`1.2.3.4:5678`, `[2001:db8::1]:443`) or IPv6 brackets.
pub fn forwarded_client<'a>(
    peer: IpAddr,
    header_values: impl IntoIterator<Item = &'a [u8]>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    if !is_trusted(peer, trusted) {
        return None;
    }
    let entries = forwarded_entries(header_values);
    let nearest = (*entries.last()?)?;
    for entry in entries.into_iter().rev() {
        let ip = entry?;
        if !is_trusted(ip, trusted) {
            return Some(ip);
        }
    }
    Some(nearest)
}

/// One `X-Forwarded-For` entry: an IP address, optionally with a port (IPv6 then in brackets)
/// or in brackets; anything else (`unknown`, obfuscated identifiers, empty) is `None`.
fn parse_forwarded_entry(entry: &str) -> Option<IpAddr> {
    let ip = if let Ok(ip) = entry.parse::<IpAddr>() {
        ip
    } else if let Ok(sock) = entry.parse::<SocketAddr>() {
        sock.ip()
    } else {
        entry
            .strip_prefix('[')
            .and_then(|e| e.strip_suffix(']'))
            .and_then(|e| e.parse::<std::net::Ipv6Addr>().ok())
            .map(IpAddr::V6)?
    };
    Some(ip.to_canonical())
}

/// A `--trusted-proxy` value: an IP address (a single host) or a CIDR network. IPv4-mapped
/// IPv6 (`::ffff:10.0.0.1`, `::ffff:10.0.0.0/104`) is taken in its IPv4 form, as peers are.
pub fn parse_trusted_proxy(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    let net = if let Ok(ip) = value.parse::<IpAddr>() {
        IpNet::from(ip)
    } else {
        value.parse::<IpNet>().map_err(|_| {
            format!(
                "`{value}` is not an IP address or CIDR network (e.g. 10.0.0.1, 10.0.0.0/8, fd00::/8)"
            )
        })?
    };
    Ok(match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => Ipv4Net::new(v4, v6.prefix_len() - 96)
                .map(IpNet::V4)
                .unwrap_or(net),
            None => net,
        },
        _ => net,
    }
    .trunc())
}

/// A fixed-window counter per client address.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Arc<Mutex<HashMap<IpAddr, (Instant, u32)>>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Arc::default(),
        }
    }

    pub fn check(&self, ip: IpAddr) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if w.len() > 100_000 {
            w.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = w.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            return Err(ApiError::TooManyRequests);
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter()
            .map(|n| parse_trusted_proxy(n).unwrap())
            .collect()
    }
    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }
    fn client(peer: &str, values: &[&str], trusted: &[&str]) -> Option<IpAddr> {
        forwarded_client(
            ip(peer),
            values.iter().map(|v| v.as_bytes()),
            &nets(trusted),
        )
    }

    #[test]
    fn right_most_untrusted_is_the_client() {
        let t = ["127.0.0.1", "10.0.0.0/8"];
        assert_eq!(
            client("127.0.0.1", &["198.51.100.7, 10.1.2.3"], &t),
            Some(ip("198.51.100.7"))
        );
        // Every occurrence of the header counts, in order.
        assert_eq!(
            client("127.0.0.1", &["192.0.2.1", "198.51.100.7", "10.1.2.3"], &t),
            Some(ip("198.51.100.7"))
        );
    }

    #[test]
    fn spoofed_prefix_is_ignored() {
        // The client sent `X-Forwarded-For: 1.1.1.1, 127.0.0.1` itself; the proxy appended its peer.
        assert_eq!(
            client(
                "127.0.0.1",
                &["1.1.1.1, 127.0.0.1, 203.0.113.9"],
                &["127.0.0.1"]
            ),
            Some(ip("203.0.113.9"))
        );
        // Garbage left of the client is never read.
        assert_eq!(
            client("127.0.0.1", &["not-an-ip, 203.0.113.9"], &["127.0.0.1"]),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn all_trusted_gives_the_right_most() {
        assert_eq!(
            client("10.0.0.1", &["10.0.0.3, 10.0.0.2"], &["10.0.0.0/8"]),
            Some(ip("10.0.0.2"))
        );
        // A host in a trusted network (not itself a proxy) sent `X-Forwarded-For: 127.0.0.1`;
        // the proxy appended it: the client is that host, not the loopback it wrote.
        let t = ["127.0.0.1", "10.0.0.0/8"];
        assert_eq!(
            client("127.0.0.1", &["127.0.0.1, 10.5.5.5"], &t),
            Some(ip("10.5.5.5"))
        );
        assert_eq!(
            client("127.0.0.1", &["127.0.0.1", "10.5.5.5"], &t),
            Some(ip("10.5.5.5"))
        );
        // Whatever trusted prefix it writes, it cannot choose its rate-limit key.
        assert_eq!(
            client("127.0.0.1", &["10.9.9.9, 10.5.5.5"], &t),
            Some(ip("10.5.5.5"))
        );
    }

    #[test]
    fn untrusted_peer_headers_are_ignored() {
        assert_eq!(
            client("198.51.100.1", &["203.0.113.9"], &["127.0.0.1"]),
            None
        );
        assert_eq!(client("127.0.0.1", &["203.0.113.9"], &[]), None);
        let mut h = HeaderMap::new();
        h.insert(X_FORWARDED_FOR, "203.0.113.9".parse().unwrap());
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &[]), ip("127.0.0.1"));
        assert_eq!(
            client_addr(ip("127.0.0.1"), &h, &nets(&["127.0.0.1"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn absent_or_malformed_falls_back_to_the_peer() {
        let t = ["127.0.0.1"];
        assert_eq!(client("127.0.0.1", &[], &t), None);
        for bad in [
            "unknown",
            "",
            "203.0.113.9, ",
            "203.0.113.9,,127.0.0.1",
            "_hidden",
            "203.0.113.9 127.0.0.1",
            "[203.0.113.9]",
            "2001:db8::1:80]",
            "999.1.1.1",
        ] {
            assert_eq!(client("127.0.0.1", &[bad], &t), None, "{bad:?}");
        }
        // An entry that is not UTF-8 counts as garbage.
        assert_eq!(
            forwarded_client(
                ip("127.0.0.1"),
                [&b"203.0.113.9"[..], &b"\xff\xfe"[..]],
                &nets(&t)
            ),
            None
        );
        let h = HeaderMap::new();
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &nets(&t)), ip("127.0.0.1"));
    }

    #[test]
    fn non_ascii_entry_spoils_only_itself() {
        // The client sent bytes that are not ASCII; its proxy appended the client's address.
        let mut h = HeaderMap::new();
        h.insert(
            X_FORWARDED_FOR,
            HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.9").unwrap(),
        );
        assert_eq!(
            client_addr(ip("127.0.0.1"), &h, &nets(&["127.0.0.1"])),
            ip("203.0.113.9")
        );
        assert_eq!(
            forwarded_entries(forwarded_for_values(&h)),
            vec![None, Some(ip("203.0.113.9"))]
        );
        // Non-UTF-8 bytes inside the entry the walk reaches: garbage, the peer is used.
        let mut h = HeaderMap::new();
        h.insert(
            X_FORWARDED_FOR,
            HeaderValue::from_bytes(b"203.0.113.9, 198.51.100.\xff").unwrap(),
        );
        assert_eq!(
            client_addr(ip("127.0.0.1"), &h, &nets(&["127.0.0.1"])),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn ports_and_brackets() {
        let t = ["127.0.0.1"];
        assert_eq!(
            client("127.0.0.1", &["203.0.113.9:51234"], &t),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client("127.0.0.1", &["[2001:db8::7]:443"], &t),
            Some(ip("2001:db8::7"))
        );
        assert_eq!(
            client("127.0.0.1", &["[2001:db8::7]"], &t),
            Some(ip("2001:db8::7"))
        );
    }

    #[test]
    fn ipv6() {
        let t = ["::1", "fd00::/8"];
        assert_eq!(
            client("::1", &["2001:db8::7, fd00::2"], &t),
            Some(ip("2001:db8::7"))
        );
        assert_eq!(client("2001:db8::1", &["2001:db8::7"], &t), None);
    }

    #[test]
    fn ipv4_mapped_peer_is_its_ipv4_form() {
        let t = ["127.0.0.1/32"];
        assert_eq!(
            client("::ffff:127.0.0.1", &["203.0.113.9"], &t),
            Some(ip("203.0.113.9"))
        );
        // Mapped addresses in the header are canonical too, and so are they when trusted.
        assert_eq!(
            client("127.0.0.1", &["203.0.113.9, ::ffff:127.0.0.1"], &t),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client("127.0.0.1", &["::ffff:198.51.100.2"], &t),
            Some(ip("198.51.100.2"))
        );
        let h = HeaderMap::new();
        assert_eq!(
            client_addr(ip("::ffff:127.0.0.1"), &h, &[]),
            ip("127.0.0.1")
        );
        assert_eq!(
            client("10.1.1.1", &["203.0.113.9"], &["::ffff:10.0.0.0/104"]),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn trusted_proxy_values() {
        assert_eq!(
            parse_trusted_proxy("10.0.0.1").unwrap().to_string(),
            "10.0.0.1/32"
        );
        assert_eq!(parse_trusted_proxy(" ::1 ").unwrap().to_string(), "::1/128");
        assert_eq!(
            parse_trusted_proxy("10.1.2.3/8").unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(
            parse_trusted_proxy("::ffff:127.0.0.1").unwrap().to_string(),
            "127.0.0.1/32"
        );
        for bad in ["", "localhost", "10.0.0.0/33", "10.0.0.1:80", "fd00::/129"] {
            let err = parse_trusted_proxy(bad).unwrap_err();
            assert!(err.contains("not an IP address or CIDR"), "{err}");
        }
    }
}
