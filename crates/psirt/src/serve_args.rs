//! `psirt serve` options for the workers and operations: e-mail (SMTP), the Prometheus
//! endpoint's scrape token, trusted reverse proxies, and the feed-sync tick.

use clap::{Args, ValueEnum};
use psirt_server::outbox_worker::{SmtpConfig, SmtpSecurity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Security {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Args)]
pub struct OpsArgs {
    /// SMTP server for e-mail notifications (none: e-mails wait in the outbox).
    #[arg(long, env = "PSIRT_SMTP_HOST")]
    smtp_host: Option<String>,
    #[arg(long, env = "PSIRT_SMTP_PORT", default_value_t = 587)]
    smtp_port: u16,
    /// `starttls` (required), `tls` (port 465) or `none` (a local relay).
    #[arg(
        long,
        env = "PSIRT_SMTP_SECURITY",
        value_enum,
        default_value = "starttls"
    )]
    smtp_security: Security,
    #[arg(long, env = "PSIRT_SMTP_USERNAME")]
    smtp_username: Option<String>,
    #[arg(long, env = "PSIRT_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// The From address of notifications.
    #[arg(long, env = "PSIRT_SMTP_FROM", default_value = "psirt@localhost")]
    smtp_from: String,
    /// Bearer token a Prometheus scraper sends to read `/metrics` from other hosts.
    #[arg(long, env = "PSIRT_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Require the token from loopback clients too.
    #[arg(long, env = "PSIRT_METRICS_NO_LOOPBACK")]
    metrics_no_loopback: bool,
    /// A reverse proxy (IP address or CIDR network, repeatable) whose `X-Forwarded-For` header
    /// names the client, for rate limits and the `/metrics` loopback rule. None by default: the
    /// header is ignored and the TCP peer is the client.
    #[arg(
        long = "trusted-proxy",
        env = "PSIRT_TRUSTED_PROXIES",
        value_name = "IP|CIDR",
        value_delimiter = ',',
        value_parser = trusted_proxy
    )]
    trusted_proxies: Vec<Option<psirt_server::IpNet>>,
    /// Seconds between checks for due feed sources (0: no feed sync).
    #[arg(long, env = "PSIRT_FEED_SYNC_TICK", default_value_t = 60)]
    feed_sync_tick: u64,
}

/// A `--trusted-proxy` value; an empty one (`PSIRT_TRUSTED_PROXIES=`, a trailing comma) is none.
fn trusted_proxy(value: &str) -> Result<Option<psirt_server::IpNet>, String> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    psirt_server::auth::parse_trusted_proxy(value).map(Some)
}

impl OpsArgs {
    /// Applies the options to the server's configuration.
    pub fn apply(self, config: &mut psirt_server::Config) {
        config.smtp = self.smtp_host.map(|host| SmtpConfig {
            host,
            port: self.smtp_port,
            security: match self.smtp_security {
                Security::None => SmtpSecurity::None,
                Security::Starttls => SmtpSecurity::StartTls,
                Security::Tls => SmtpSecurity::Tls,
            },
            username: self.smtp_username,
            password: self.smtp_password,
            from: self.smtp_from,
        });
        config.metrics_token = self.metrics_token.filter(|t| !t.is_empty());
        config.metrics_allow_loopback = !self.metrics_no_loopback;
        config.trusted_proxies = self.trusted_proxies.into_iter().flatten().collect();
        config.feed_sync_tick =
            (self.feed_sync_tick > 0).then(|| std::time::Duration::from_secs(self.feed_sync_tick));
    }
}
