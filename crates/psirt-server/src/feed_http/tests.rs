use std::collections::HashMap;
use std::str::FromStr;

use super::*;

fn url(s: &str) -> reqwest::Url {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn refused(from: &str, to: &str) -> Option<&'static str> {
    let from = url(from);
    redirect_refused(&from, &url(to), host_reach(&from))
}

#[test]
fn redirects_keep_tls_and_do_not_reach_inside_from_outside() {
    let public = "https://feeds.example.org/kev.json";
    for to in [
        "https://objects.example.net/kev.json",
        "https://93.184.216.34/kev.json",
    ] {
        assert_eq!(refused(public, to), None, "{to}");
    }
    for to in [
        "http://feeds.example.org/kev.json",
        "http://169.254.169.254/latest/meta-data/",
        "https://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1:8080/x.json",
        "https://10.1.2.3/x.json",
        "https://192.168.0.1/x.json",
        "https://[::1]/x.json",
        "https://[fd00::1]/x.json",
        "https://[fe80::1]/x.json",
        "https://[::ffff:169.254.169.254]/x.json",
        "https://localhost/x.json",
        "https://localhost./x.json",
        "https://0.0.0.0/x.json",
        "https://0.1.2.3/x.json",
        "https://100.100.100.200/x.json",
    ] {
        assert!(refused(public, to).is_some(), "{to}");
    }
    // A mirror inside the network may redirect within it (plain http stays plain http), but not to a link-local
    // address.
    let mirror = "http://10.0.0.5/osv/all.zip";
    assert_eq!(refused(mirror, "http://10.0.0.6/osv/all.zip"), None);
    for to in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/x",
        "http://100.100.100.200/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://127.0.0.1:8080/x",
    ] {
        assert!(refused(mirror, to).is_some(), "{to}");
    }
    // A feed on this host (a test server, a local mirror) may redirect on it.
    assert_eq!(
        refused(
            "http://127.0.0.1:9000/kev.json",
            "http://127.0.0.1:9000/v2/kev.json"
        ),
        None
    );
}

/// A lookup from a table; a name not in it does not resolve.
fn table(entries: &[(&str, &[&str])]) -> Lookup {
    let map: HashMap<String, Vec<IpAddr>> = entries
        .iter()
        .map(|(name, ips)| {
            let ips = ips
                .iter()
                .map(|ip| ip.parse().unwrap_or_else(|e| panic!("{ip}: {e}")));
            (name.to_string(), ips.collect())
        })
        .collect();
    let map = Arc::new(map);
    Arc::new(move |name: String| {
        let found = map.get(&name).cloned();
        Box::pin(async move {
            found.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such name"))
        })
    })
}

async fn resolve(r: &GuardedResolver, name: &str) -> Result<Vec<IpAddr>, String> {
    let name = Name::from_str(name).map_err(|_| "bad name".to_string())?;
    match r.resolve(name).await {
        Ok(addrs) => Ok(addrs.map(|a| a.ip()).collect()),
        Err(e) => Err(e.to_string()),
    }
}

fn ips(list: &[&str]) -> Vec<IpAddr> {
    list.iter().filter_map(|ip| ip.parse().ok()).collect()
}

#[tokio::test]
async fn names_a_public_feed_redirects_to_keep_only_public_addresses() {
    let lookup = table(&[
        ("feeds.example.org", &["93.184.216.34"]),
        ("cdn.example.net", &["93.184.216.35", "2606:2800:220:1::1"]),
        ("internal.example.net", &["10.0.0.7"]),
        ("metadata.example.net", &["169.254.169.254"]),
        ("loop.example.net", &["127.0.0.1", "::1"]),
        ("mixed.example.net", &["10.0.0.7", "93.184.216.36"]),
    ]);
    let r = GuardedResolver::new(&url("https://feeds.example.org/kev.json"), lookup);
    assert_eq!(
        resolve(&r, "feeds.example.org").await,
        Ok(ips(&["93.184.216.34"]))
    );
    assert_eq!(
        resolve(&r, "cdn.example.net").await,
        Ok(ips(&["93.184.216.35", "2606:2800:220:1::1"]))
    );
    for inside in [
        "internal.example.net",
        "metadata.example.net",
        "loop.example.net",
        // Case and a trailing dot do not make it another name.
        "Internal.Example.Net.",
    ] {
        let e = resolve(&r, inside).await.err().unwrap_or_default();
        assert!(e.contains("further inside"), "{inside}: {e}");
    }
    // Only the internal address goes.
    assert_eq!(
        resolve(&r, "mixed.example.net").await,
        Ok(ips(&["93.184.216.36"]))
    );
    // A name that does not resolve is the lookup's error.
    assert!(resolve(&r, "nowhere.example.net").await.is_err());
}

#[tokio::test]
async fn a_feed_whose_name_is_internal_may_redirect_as_far_inside_as_it_is() {
    let lookup = table(&[
        ("mirror.corp", &["10.0.0.5"]),
        ("objects.corp", &["10.0.0.6"]),
        ("metadata.corp", &["169.254.169.254"]),
    ]);
    let r = GuardedResolver::new(&url("http://mirror.corp/osv/all.zip"), lookup);
    // Before the configured name resolves only public addresses pass (it is always resolved first).
    assert!(resolve(&r, "objects.corp").await.is_err());
    assert_eq!(resolve(&r, "mirror.corp").await, Ok(ips(&["10.0.0.5"])));
    assert_eq!(resolve(&r, "objects.corp").await, Ok(ips(&["10.0.0.6"])));
    assert!(resolve(&r, "metadata.corp").await.is_err());
    // And so may a redirect to an address literal.
    let allowed = r.allowed.get();
    let from = url("http://mirror.corp/osv/all.zip");
    assert_eq!(
        redirect_refused(&from, &url("http://10.0.0.6/x"), allowed),
        None
    );
    assert!(redirect_refused(&from, &url("http://127.0.0.1/x"), allowed).is_some());
}

/// The real client against a local server: a redirect to a name resolving to a metadata address is refused with
/// a reason, one to a name on the feed's own host is followed.
#[tokio::test]
async fn the_client_follows_redirects_only_to_names_no_further_inside() {
    use axum::response::Redirect;
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let app = axum::Router::new()
        .route(
            "/to-metadata",
            get(move || async move {
                Redirect::temporary(&format!("http://metadata.test:{port}/secret"))
            }),
        )
        .route(
            "/to-mirror",
            get(move || async move {
                Redirect::temporary(&format!("http://mirror.test:{port}/kev.json"))
            }),
        )
        .route("/kev.json", get(|| async { "the feed" }))
        .route("/secret", get(|| async { "credentials" }));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let lookup = table(&[
        ("feeds.test", &["127.0.0.1"]),
        ("mirror.test", &["127.0.0.1"]),
        // Listed with the loopback address the test server listens on: refused for the first, not for the
        // connection failing.
        ("metadata.test", &["169.254.169.254"]),
    ]);
    let get = |path: &str| {
        let configured = format!("http://feeds.test:{port}{path}");
        let client = client_with(&configured, Arc::clone(&lookup));
        async move {
            match client.get(&configured).send().await {
                Ok(resp) => resp.text().await.map_err(http_error),
                Err(e) => Err(http_error(e)),
            }
        }
    };
    assert_eq!(get("/to-mirror").await, Ok("the feed".to_string()));
    let refused = get("/to-metadata").await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("metadata.test resolves to an address further inside")),
        "{refused:?}"
    );
    server.abort();
}

/// A lookup whose answers for a name change from call to call (the last one repeats).
fn changing(name: &'static str, answers: &[&[&str]]) -> Lookup {
    let answers: Vec<Vec<IpAddr>> = answers.iter().map(|a| ips(a)).collect();
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    Arc::new(move |asked: String| {
        let n = calls.fetch_add(1, Ordering::Relaxed);
        let found = (asked == name).then(|| answers[n.min(answers.len() - 1)].clone());
        Box::pin(async move {
            found.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such name"))
        })
    })
}

#[tokio::test]
async fn the_configured_name_answering_again_further_inside_is_refused() {
    let lookup = changing(
        "feeds.example.org",
        &[
            &["93.184.216.34"],
            &["169.254.169.254"],
            &["10.0.0.7", "93.184.216.35"],
        ],
    );
    let r = GuardedResolver::new(&url("https://feeds.example.org/kev.json"), lookup);
    assert_eq!(
        resolve(&r, "feeds.example.org").await,
        Ok(ips(&["93.184.216.34"]))
    );
    // Rebinding: the second answer does not raise how far inside the sync may go.
    let e = resolve(&r, "feeds.example.org")
        .await
        .err()
        .unwrap_or_default();
    assert!(e.contains("further inside"), "{e}");
    assert_eq!(r.allowed.get(), 0);
    assert_eq!(
        resolve(&r, "feeds.example.org").await,
        Ok(ips(&["93.184.216.35"]))
    );
}

#[tokio::test]
async fn a_proxy_on_the_internal_network_resolves_and_raises_nothing() {
    let lookup = table(&[
        ("feeds.example.org", &["93.184.216.34"]),
        ("proxy.corp", &["10.0.0.3"]),
        ("objects.corp", &["10.0.0.6"]),
    ]);
    let r = GuardedResolver::new(&url("https://feeds.example.org/kev.json"), lookup)
        .with_proxies(vec!["proxy.corp".into()]);
    assert_eq!(resolve(&r, "Proxy.Corp.").await, Ok(ips(&["10.0.0.3"])));
    assert_eq!(r.allowed.get(), 0);
    assert_eq!(
        resolve(&r, "feeds.example.org").await,
        Ok(ips(&["93.184.216.34"]))
    );
    assert!(resolve(&r, "objects.corp").await.is_err());
}

#[test]
fn proxy_settings_name_their_host_with_or_without_a_scheme() {
    assert_eq!(
        proxy_name("http://proxy.corp:3128"),
        Some("proxy.corp".into())
    );
    assert_eq!(proxy_name("proxy.corp:3128"), Some("proxy.corp".into()));
    assert_eq!(
        proxy_name("socks5h://user:pw@Proxy.Corp.:1080"),
        Some("proxy.corp".into())
    );
    assert_eq!(proxy_name("http://10.0.0.3:3128"), Some("10.0.0.3".into()));
    assert_eq!(proxy_name(""), None);
}

/// The real client through a proxy whose name is internal: the proxy is reached (reqwest resolves its name with
/// the feed's resolver), and the feed's name is the proxy's to resolve.
#[tokio::test]
async fn the_client_reaches_an_internal_proxy() {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    // A proxy answers a request in absolute form (`GET http://feeds.example.org/kev.json`): the router reads its path.
    let app = axum::Router::new().route("/kev.json", get(|| async { "the feed, proxied" }));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let lookup = table(&[("proxy.test", &["127.0.0.1"])]);
    let configured = "http://feeds.example.org/kev.json";
    let through = |proxies: Vec<String>| {
        let proxy = reqwest::Proxy::http(format!("http://proxy.test:{port}"))
            .unwrap_or_else(|e| panic!("proxy: {e}"));
        let client = builder_with(configured, Arc::clone(&lookup), proxies)
            .proxy(proxy)
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"));
        async move {
            match client.get(configured).send().await {
                Ok(resp) => resp.text().await.map_err(http_error),
                Err(e) => Err(http_error(e)),
            }
        }
    };
    assert_eq!(
        through(vec!["proxy.test".into()]).await,
        Ok("the feed, proxied".to_string())
    );
    // Not known as the proxy, its loopback address would be further inside than the public feed.
    let refused = through(Vec::new()).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("further inside")),
        "{refused:?}"
    );
    server.abort();
}

/// A redirect naming the proxy would go to it directly (no proxy set for its scheme, or `NO_PROXY` covering it),
/// with its name resolved unchecked: refused.
#[tokio::test]
async fn a_redirect_to_the_proxy_itself_is_refused() {
    use axum::response::Redirect;
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let app =
        axum::Router::new()
            .route(
                "/to-proxy",
                get(move || async move {
                    Redirect::temporary(&format!("http://Proxy.Test.:{port}/admin"))
                }),
            )
            .route("/admin", get(|| async { "the proxy's admin page" }));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let lookup = table(&[
        ("feeds.test", &["127.0.0.1"]),
        ("proxy.test", &["127.0.0.1"]),
    ]);
    let configured = format!("http://feeds.test:{port}/to-proxy");
    let client = builder_with(&configured, lookup, vec!["proxy.test".into()])
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    let got = match client.get(&configured).send().await {
        Ok(resp) => resp.text().await.map_err(http_error),
        Err(e) => Err(http_error(e)),
    };
    assert!(
        got.as_ref()
            .is_err_and(|e| e.contains("redirect to the proxy itself refused")),
        "{got:?}"
    );
    server.abort();
}
