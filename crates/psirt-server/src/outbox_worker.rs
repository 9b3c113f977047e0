//! The outbox worker: delivers webhooks (JSON signed with HMAC-SHA256) and e-mail (SMTP) from
//! the outbox, at least once, with exponential back-off; receivers deduplicate on the
//! idempotency key (`X-Psirt-Delivery`, the e-mail's `Message-ID`). A message is claimed with a
//! lease, so a worker killed mid-delivery loses nothing: the lease runs out and it is sent again.

use std::time::Duration;

use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use psirt_store::outbox::{Delivery, OutboxMessage};
use psirt_store::Store;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpSecurity {
    /// Plain SMTP (a relay on localhost).
    None,
    /// STARTTLS, required.
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The From address.
    pub from: String,
}

#[derive(Debug, Clone)]
pub struct OutboxConfig {
    /// How often the worker looks for due messages.
    pub tick: Duration,
    /// How long a claimed message is held before another worker may take it.
    pub lease: Duration,
    /// The most one delivery may take, all of it (connecting, TLS, every SMTP command); then it is a failed attempt.
    pub timeout: Duration,
    /// The first retry waits this long; each further one twice as long (capped at an hour).
    pub backoff: Duration,
    pub smtp: Option<SmtpConfig>,
    /// Links in e-mails start here.
    pub public_url: String,
}

type HmacSha256 = Hmac<Sha256>;

/// `sha256=<hex>` over `<timestamp>.<body>`: what a receiver recomputes with the shared secret
/// (and rejects when the timestamp is old: replay protection).
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC accepts keys of any length: new_from_slice cannot fail.
    let mut mac = match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn backoff(config: &OutboxConfig, attempts: i64) -> time::Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let wait = config.backoff.saturating_mul(2u32.saturating_pow(exp));
    let wait = wait.min(Duration::from_secs(3_600));
    time::Duration::try_from(wait).unwrap_or(time::Duration::HOUR)
}

async fn deliver_webhook(
    store: &Store,
    http: &reqwest::Client,
    m: &OutboxMessage,
) -> Result<String, String> {
    let sub = m
        .subscription_id
        .ok_or_else(|| "webhook message without subscription".to_owned())?;
    let sub = store.webhook(sub).await.map_err(|e| e.to_string())?;
    if !sub.enabled {
        return Err("subscription disabled".into());
    }
    let ts = store.now().unix_timestamp();
    let resp = http
        .post(&m.recipient)
        .header("content-type", "application/json")
        .header("x-psirt-event", &m.event)
        .header("x-psirt-delivery", &m.idempotency_key)
        .header("x-psirt-timestamp", ts.to_string())
        .header("x-psirt-signature", signature(&sub.secret, ts, &m.payload))
        .body(m.payload.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status().is_success() {
        Ok(format!("HTTP {}", resp.status().as_u16()))
    } else {
        Err(format!("HTTP {}", resp.status().as_u16()))
    }
}

/// The templates an admin may edit.
pub const TEMPLATE_KEYS: [&str; 5] = [
    "staff_assigned",
    "staff_escalation",
    "staff_clock_warning",
    "reporter_message",
    "reporter_status",
];

/// Built-in templates: (subject, body). Reporter mails say only that something happened.
fn default_template(key: &str) -> (&'static str, &'static str) {
    match key {
        "staff_assigned" => ("psirt: case #{{case_id}} was assigned to you", "A case was assigned to you:\n\n{{url}}/cases/{{case_id}}\n"),
        "staff_escalation" => ("psirt: case #{{case_id}} is now {{severity}} {{priority}}", "A case needs S1/P1 handling now (runbook: triage, escalate, mitigate, release, RCA, hand-off):\n\n{{url}}/cases/{{case_id}}\n"),
        "staff_clock_warning" => ("psirt: case #{{case_id}} {{kind}} clock {{phase}} (due {{due_at}})", "A deadline needs attention: the {{kind}} clock of case #{{case_id}} is {{phase}}, due {{due_at}} (UTC).\n\n{{url}}/cases/{{case_id}}#clocks\n"),
        "reporter_message" => ("New message about your vulnerability report #{{report_id}}", "The security team sent you a message about your report #{{report_id}}.\nRead and answer it in the reporting portal with the tracking link you received when you submitted the report.\n\n{{url}}\n"),
        "reporter_status" => ("Your vulnerability report #{{report_id}}: {{state}}", "The status of the case handling your report #{{report_id}} is now: {{state}}.\nDetails are in the reporting portal, through the tracking link you received.\n\n{{url}}\n"),
        _ => ("psirt notification", "{{url}}\n"),
    }
}

/// Fills `{{name}}` from `vars` (and `url`).
pub fn render(template: &str, vars: &Value, url: &str) -> String {
    let mut out = template.replace("{{url}}", url.trim_end_matches('/'));
    if let Some(obj) = vars.as_object() {
        for (k, v) in obj {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            out = out.replace(&format!("{{{{{k}}}}}"), &text);
        }
    }
    out
}

async fn deliver_email(
    store: &Store,
    config: &OutboxConfig,
    m: &OutboxMessage,
) -> Result<String, String> {
    let smtp = config.smtp.as_ref().ok_or("SMTP is not configured")?;
    let payload: Value = serde_json::from_str(&m.payload).map_err(|e| e.to_string())?;
    let key = payload["template"].as_str().unwrap_or_default();
    let (subject, body) = match store.email_template(key).await.map_err(|e| e.to_string())? {
        Some(t) => t,
        None => {
            let (s, b) = default_template(key);
            (s.to_owned(), b.to_owned())
        }
    };
    let vars = &payload["vars"];
    let subject = render(&subject, vars, &config.public_url).replace(['\r', '\n'], " ");
    let body = render(&body, vars, &config.public_url);
    let id = hex::encode(Sha256::digest(m.idempotency_key.as_bytes()));
    let message = Message::builder()
        .from(
            smtp.from
                .parse()
                .map_err(|e| format!("from address: {e}"))?,
        )
        .to(m.recipient.parse().map_err(|e| format!("recipient: {e}"))?)
        .subject(subject)
        .message_id(Some(format!("<{}@psirt>", &id[..32])))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())?;
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .timeout(Some(config.timeout));
    let tls = || TlsParameters::new(smtp.host.clone()).map_err(|e| e.to_string());
    builder = match smtp.security {
        SmtpSecurity::None => builder.tls(Tls::None),
        SmtpSecurity::StartTls => builder.tls(Tls::Required(tls()?)),
        SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls()?)),
    };
    if let (Some(u), Some(p)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
    }
    let response = builder
        .build()
        .send(message)
        .await
        .map_err(|e| e.to_string())?;
    Ok(format!("SMTP {}", response.code()))
}

/// The most messages claimed at once.
const MAX_CLAIM: u128 = 20;

/// How many messages to claim at once: no more than can all be delivered, each taking its longest (`timeout`),
/// within the lease. A message still waiting in the batch when its lease runs out may be claimed by another worker
/// (this one then leaves it, see `Store::renew_claim`): a small claim keeps that rare. One at least.
pub fn claim_size(lease: Duration, timeout: Duration) -> i64 {
    let fits = lease.as_millis() / timeout.as_millis().max(1);
    i64::try_from(fits.clamp(1, MAX_CLAIM)).unwrap_or(1)
}

/// How long one delivery may take: the configured timeout, but no more than two thirds of what is left of the hold
/// once the renewal returned (its end was fixed before the renewal waited for its lock), so that recording the
/// outcome also fits before another worker may take the message.
fn delivery_budget(timeout: Duration, hold: Duration, renewal_took: Duration) -> Duration {
    timeout.min(hold.saturating_sub(renewal_took) * 2 / 3)
}

/// Claims and delivers one batch ([`claim_size`] messages at most); returns whether the batch was full (more may
/// be due).
pub async fn run_once(
    store: &Store,
    http: &reqwest::Client,
    config: &OutboxConfig,
) -> psirt_store::Result<bool> {
    let channels: &[&str] = if config.smtp.is_some() {
        &["webhook", "email"]
    } else {
        &["webhook"]
    };
    let lease = time::Duration::try_from(config.lease).unwrap_or(time::Duration::MINUTE);
    let size = claim_size(config.lease, config.timeout);
    let batch = store.claim_outbox(channels, size, lease).await?;
    // Held for a full lease from the start of each delivery, and never shorter than the delivery may take (with room
    // for recording its outcome): no other worker takes a message while it is being delivered.
    let hold_for = config.lease.max(config.timeout.saturating_mul(3) / 2);
    let hold = time::Duration::try_from(hold_for).unwrap_or(lease);
    for m in &batch {
        let renewing = std::time::Instant::now();
        // Skipped when another worker took the message meanwhile (its lease ran out while it waited here).
        if !store.renew_claim(m, hold).await? {
            continue;
        }
        let timeout = delivery_budget(config.timeout, hold_for, renewing.elapsed());
        // Cut off after the timeout (lookups included). Cutting off a send under way may deliver the message twice:
        // receivers deduplicate on the idempotency key (at least once).
        let delivery = async {
            match m.channel.as_str() {
                "webhook" => deliver_webhook(store, http, m).await,
                "email" => deliver_email(store, config, m).await,
                other => Err(format!("unknown channel {other}")),
            }
        };
        let result = tokio::time::timeout(timeout, delivery)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {timeout:?}")));
        let outcome = match result {
            Ok(detail) => Delivery::Delivered(detail),
            Err(e) => Delivery::Failed(e, backoff(config, m.attempts)),
        };
        store.finish_delivery(m, &outcome).await?;
    }
    Ok(i64::try_from(batch.len()).is_ok_and(|n| n >= size))
}

/// How often clocks are checked for warnings.
const CLOCK_CHECK: Duration = Duration::from_secs(60);

/// Runs forever.
pub async fn run_worker(store: Store, config: OutboxConfig) {
    let http = reqwest::Client::builder()
        .user_agent(concat!("psirt/", env!("CARGO_PKG_VERSION"), " webhooks"))
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap_or_default();
    let mut last_clock_check: Option<std::time::Instant> = None;
    loop {
        if last_clock_check.is_none_or(|t| t.elapsed() >= CLOCK_CHECK) {
            last_clock_check = Some(std::time::Instant::now());
            if let Err(e) = store.enqueue_clock_warnings().await {
                tracing::warn!("clock warnings: {e}");
            }
        }
        match run_once(&store, &http, &config).await {
            // A full batch: there may be more, go on at once.
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::warn!("outbox: {e}"),
        }
        tokio::time::sleep(config.tick).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_ends_well_inside_its_hold() {
        let secs = Duration::from_secs;
        assert_eq!(delivery_budget(secs(30), secs(120), secs(0)), secs(30));
        // The hold at its shortest (1.5 × timeout): the whole timeout, a third left for the outcome.
        assert_eq!(
            delivery_budget(secs(30), secs(45), Duration::ZERO),
            secs(30)
        );
        // A renewal that waited 9 s for its lock leaves 36 s of the hold: 24 s to deliver.
        assert_eq!(delivery_budget(secs(30), secs(45), secs(9)), secs(24));
        assert_eq!(
            delivery_budget(secs(30), secs(45), secs(60)),
            Duration::ZERO
        );
    }

    #[test]
    fn a_claim_fits_in_its_lease() {
        let secs = Duration::from_secs;
        // The default lease (two minutes) holds four deliveries of at most 30 s each.
        assert_eq!(claim_size(secs(120), secs(30)), 4);
        assert_eq!(claim_size(secs(119), secs(30)), 3);
        // Never more than MAX_CLAIM, never none.
        assert_eq!(claim_size(secs(3_600), secs(30)), 20);
        assert_eq!(claim_size(secs(1), secs(30)), 1);
        assert_eq!(claim_size(Duration::ZERO, Duration::ZERO), 1);
    }
}
