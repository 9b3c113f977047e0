//! The HTTP client feed syncs download with, and where it may go. A feed source's URL is the admin's choice; where
//! its server sends the download next is not. A redirect must not downgrade from https, and must not lead further
//! inside the network than the configured host: a feed source must not become a way to read what only the server
//! can reach (a cloud's metadata service, an internal admin page). Address literals are judged by the redirect
//! policy ([`redirect_refused`]); names by the resolver ([`GuardedResolver`]), which drops the addresses further
//! inside than the configured host's. Through an HTTP proxy (`HTTPS_PROXY`) names are resolved by the proxy, which
//! then decides (README); the proxy's own name resolves as the system says (the admin chose it too).

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

const MAX_REDIRECTS: usize = 10;

/// Looks a name up: the system's resolver in the product, a table in tests.
pub type Lookup = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>
        + Send
        + Sync,
>;

/// The client for one sync of the feed at `configured`.
pub fn http_client(configured: &str) -> reqwest::Client {
    client_with(configured, system_lookup())
}

/// [`http_client`] with its own name lookup (tests).
pub fn client_with(configured: &str, lookup: Lookup) -> reqwest::Client {
    builder_with(configured, lookup, proxy_names_from_env())
        .build()
        .unwrap_or_default()
}

/// The client's builder, with the names of the proxies it may use.
pub(crate) fn builder_with(
    configured: &str,
    lookup: Lookup,
    proxies: Vec<String>,
) -> reqwest::ClientBuilder {
    let resolver = configured
        .parse::<reqwest::Url>()
        .map(|url| GuardedResolver::new(&url, lookup).with_proxies(proxies.clone()));
    // How far inside redirects may lead: the resolver raises it to the configured name's addresses.
    let (allowed, configured_name) = match &resolver {
        Ok(r) => (Arc::clone(&r.allowed), r.configured.clone()),
        Err(_) => (Arc::new(Reach::new(0)), String::new()),
    };
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("psirt/", env!("CARGO_PKG_VERSION"), " feed-sync"))
        .connect_timeout(Duration::from_secs(30))
        // A stalled download ends after a minute without data, not after the whole budget: feeds sync one after
        // another, and a stuck OSV export must not hold KEV back for half an hour.
        .read_timeout(Duration::from_secs(60))
        .timeout(Duration::from_secs(30 * 60))
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            let allowed = allowed.get();
            // The proxy's name resolves unchecked, for reaching the proxy: a redirect naming it would go there
            // directly (a scheme the proxy is not set for, a `NO_PROXY` entry covering it).
            let to_proxy = attempt
                .url()
                .host_str()
                .map(normal_name)
                .is_some_and(|host| host != configured_name && proxies.contains(&host));
            let refused = attempt
                .previous()
                .first()
                .and_then(|from| redirect_refused(from, attempt.url(), allowed))
                .or(to_proxy.then_some("redirect to the proxy itself refused"));
            match refused {
                Some(why) => attempt.error(why),
                None if attempt.previous().len() > MAX_REDIRECTS => {
                    attempt.error("too many redirects")
                }
                None => attempt.follow(),
            }
        }));
    // A URL that does not parse fails at the request, with reqwest's own error.
    if let Ok(resolver) = resolver {
        builder = builder.dns_resolver(Arc::new(resolver));
    }
    builder
}

fn system_lookup() -> Lookup {
    Arc::new(|name: String| {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((name.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    })
}

/// The host names of the proxies reqwest takes from the environment, read as it reads them (hyper-util's
/// `Matcher::from_env`): of each variable the upper-case spelling if set, else the lower-case one; no
/// `HTTP_PROXY` under CGI (`REQUEST_METHOD` set: it could be a request's `Proxy` header).
fn proxy_names_from_env() -> Vec<String> {
    let first_set = |names: [&str; 2]| names.iter().find_map(|n| std::env::var(n).ok());
    let cgi = std::env::var_os("REQUEST_METHOD").is_some();
    let http = (!cgi)
        .then(|| first_set(["HTTP_PROXY", "http_proxy"]))
        .flatten();
    [
        first_set(["HTTPS_PROXY", "https_proxy"]),
        http,
        first_set(["ALL_PROXY", "all_proxy"]),
    ]
    .into_iter()
    .flatten()
    .filter_map(|value| proxy_name(&value))
    .collect()
}

/// The host of a proxy setting, with or without its scheme (`proxy.corp:3128` is as good as reqwest takes it).
fn proxy_name(value: &str) -> Option<String> {
    let url = match value.parse::<reqwest::Url>() {
        Ok(url) if url.has_host() => url,
        _ => format!("http://{value}").parse::<reqwest::Url>().ok()?,
    };
    url.host_str().filter(|h| !h.is_empty()).map(normal_name)
}

/// Why a redirect from the configured URL `from` to `to` is not followed: a downgrade from https (the feed is what
/// decides what is exploited and affected: it must not come over a connection anyone between could change), or an
/// address literal further inside ([`host_reach`]) than `allowed`, the configured host's reach. A mirror inside the
/// network may redirect within it.
pub(crate) fn redirect_refused(
    from: &reqwest::Url,
    to: &reqwest::Url,
    allowed: u8,
) -> Option<&'static str> {
    if from.scheme() == "https" && to.scheme() != "https" {
        return Some("redirect from https to another scheme refused");
    }
    if host_reach(to) > allowed {
        return Some("redirect to an internal address refused");
    }
    None
}

/// How far inside a URL's host is, as [`ip_reach`] for an address literal; 2 for `localhost`; 0 for other names
/// (the resolver judges their addresses).
pub(crate) fn host_reach(url: &reqwest::Url) -> u8 {
    let host = url.host_str().unwrap_or_default().trim_end_matches('.');
    let lower = host.to_ascii_lowercase();
    if lower == "localhost" || lower.ends_with(".localhost") {
        return 2;
    }
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(ip) => ip_reach(ip),
        Err(_) => 0,
    }
}

/// How far inside an address is: 0 public; 1 private (RFC 1918, unique local, the shared 100.64.0.0/10); 2 this
/// host (loopback, unspecified); 3 link-local and the clouds' metadata services (169.254.169.254, Alibaba's
/// 100.100.100.200, AWS's fd00:ec2::254).
pub(crate) fn ip_reach(ip: IpAddr) -> u8 {
    const METADATA_V4: [Ipv4Addr; 1] = [Ipv4Addr::new(100, 100, 100, 200)];
    const METADATA_V6: [Ipv6Addr; 1] = [Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)];
    let v4 = |ip: Ipv4Addr| {
        let [a, b, ..] = ip.octets();
        if ip.is_link_local() || METADATA_V4.contains(&ip) {
            3
        } else if ip.is_loopback() || a == 0 {
            2
        } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
            1
        } else {
            0
        }
    };
    match ip {
        IpAddr::V4(ip) => v4(ip),
        IpAddr::V6(ip) => {
            let first = ip.segments()[0];
            if let Some(mapped) = ip.to_ipv4_mapped() {
                v4(mapped)
            } else if first & 0xffc0 == 0xfe80 || METADATA_V6.contains(&ip) {
                3
            } else if ip.is_loopback() || ip.is_unspecified() {
                2
            } else if first & 0xfe00 == 0xfc00 {
                1
            } else {
                0
            }
        }
    }
}

/// Resolves names for one sync's client. The configured host's name resolves as the system says (the admin chose
/// it) the first time, and that answer sets how far inside the sync may go: as far as the configured host's
/// addresses are. Any other name (one a redirect led to), and the configured name's later answers (a name that
/// first answers with a public address and then with an internal one is DNS rebinding), keep only their addresses
/// no further inside than that; a name with none left is an error. A proxy's name resolves as the system says and
/// sets nothing: requests go to it, their hosts are its to resolve.
pub(crate) struct GuardedResolver {
    configured: String,
    /// The deepest [`ip_reach`] of the configured host: its literal's, else its name's first addresses'.
    allowed: Arc<Reach>,
    proxies: Vec<String>,
    lookup: Lookup,
}

impl GuardedResolver {
    pub(crate) fn new(configured: &reqwest::Url, lookup: Lookup) -> GuardedResolver {
        GuardedResolver {
            configured: normal_name(configured.host_str().unwrap_or_default()),
            allowed: Arc::new(Reach::new(host_reach(configured))),
            proxies: Vec::new(),
            lookup,
        }
    }

    pub(crate) fn with_proxies(mut self, names: Vec<String>) -> GuardedResolver {
        self.proxies = names;
        self
    }
}

/// How far inside a sync may go ([`ip_reach`]), and whether the configured name's first answer has set it.
pub(crate) struct Reach(AtomicU8);

/// The bit of [`Reach`] that says it is pinned (reaches are 0 to 3).
const PINNED: u8 = 0x80;

impl Reach {
    fn new(reach: u8) -> Reach {
        Reach(AtomicU8::new(reach))
    }

    pub(crate) fn get(&self) -> u8 {
        self.0.load(Ordering::Relaxed) & !PINNED
    }

    /// Raises the reach to `deepest` and pins it, unless pinned already (one atomic step: a lookup finishing
    /// meanwhile sees both or neither); whether this call pinned it.
    fn pin(&self, deepest: u8) -> bool {
        self.0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                (v & PINNED == 0).then_some(v.max(deepest) | PINNED)
            })
            .is_ok()
    }
}

fn normal_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let name = normal_name(name.as_str());
        let configured = name == self.configured;
        let proxy = self.proxies.contains(&name);
        let allowed = Arc::clone(&self.allowed);
        let lookup = (self.lookup)(name.clone());
        Box::pin(async move {
            let found = lookup.await?;
            // The proxy's name, and the configured name's first answer (which sets the reach), as found.
            let as_found = proxy
                || (configured
                    && !found.is_empty()
                    && allowed.pin(found.iter().map(|ip| ip_reach(*ip)).max().unwrap_or(0)));
            let kept: Vec<IpAddr> = if as_found {
                found
            } else {
                let allowed = allowed.get();
                let kept: Vec<IpAddr> = found
                    .iter()
                    .copied()
                    .filter(|ip| ip_reach(*ip) <= allowed)
                    .collect();
                if kept.is_empty() && !found.is_empty() {
                    return Err(format!(
                        "{name} resolves to an address further inside than the feed's host: refused"
                    )
                    .into());
                }
                kept
            };
            let addrs: Addrs = Box::new(kept.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// What a request's error says, with its causes (reqwest's own text stops at "error following redirect"; the
/// redirect policy's reason is the cause), without the URL (its query may hold a token: see `redacted_url`).
pub(crate) fn http_error(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut out = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests;
