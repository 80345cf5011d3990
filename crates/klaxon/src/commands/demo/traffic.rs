//! The demo's visitors: requests to the site at a steady rate, over a fixed mix of paths.
//! While the site is failing, 6 requests in 10 fail (two 404s for a promotion page that does
//! not exist, two 502s from checkout, two 500s from the orders API) — enough for both of the
//! tutorial's alerts (≥ 10 failures a minute, ≥ 50 % failing). Afterwards every request
//! succeeds.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::site::Site;
use super::term::{Style, Term, clock, human};

/// One round of requests while the site is failing: 6 of 10 fail.
const FAILING_MIX: [&str; 10] = [
    "/",
    "/spring-sale",
    "/checkout",
    "/products/42",
    "/api/orders",
    "/spring-sale",
    "/checkout",
    "/cart",
    "/api/orders",
    "/products/7",
];

/// One round once it has recovered: the broken promotion link is gone, the backend works.
const HEALTHY_MIX: [&str; 10] = [
    "/",
    "/products/42",
    "/checkout",
    "/products/7",
    "/api/orders",
    "/cart",
    "/checkout",
    "/products/9",
    "/api/orders",
    "/",
];

/// How often a one-line traffic summary is printed.
const SUMMARY_EVERY: Duration = Duration::from_secs(30);

/// Requests sent and failed since the last summary.
#[derive(Debug, Default)]
struct Counts {
    sent: AtomicU64,
    failed: AtomicU64,
}

/// Sends `rate` requests a second to `base` (`http://host:port`) forever; the site fails
/// for `failing_for` from now (zero: never).
pub async fn run(base: String, rate: f64, failing_for: Duration, site: Arc<Site>, term: Term) {
    if !failing_for.is_zero() {
        site.failing.store(true, Ordering::Relaxed);
        let (site, term) = (site.clone(), term);
        tokio::spawn(async move {
            tokio::time::sleep(failing_for).await;
            site.failing.store(false, Ordering::Relaxed);
            term.print(&format!(
                "\n{}  {} every request succeeds from now on. The alerts resolve once the last \
                 minute is clean; RESOLVED follows within about two minutes.\n",
                clock(),
                term.paint(Style::Bold, "The site has recovered:"),
            ));
        });
    }
    if rate <= 0.0 {
        return;
    }
    let client = match reqwest::Client::builder()
        .user_agent(concat!("klaxon-demo/", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(5))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("klaxon demo: cannot build the HTTP client, no traffic: {e}");
            return;
        }
    };
    let counts = Arc::new(Counts::default());
    tokio::spawn(summaries(counts.clone(), term));
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for n in 0usize.. {
        tick.tick().await;
        let mix = if site.failing.load(Ordering::Relaxed) { &FAILING_MIX } else { &HEALTHY_MIX };
        let url = format!("{base}{}", mix[n % mix.len()]);
        let (client, counts) = (client.clone(), counts.clone());
        tokio::spawn(async move {
            counts.sent.fetch_add(1, Ordering::Relaxed);
            let ok = client.get(&url).send().await.is_ok_and(|r| r.status().as_u16() < 400);
            if !ok {
                counts.failed.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
}

/// Prints how many requests went out and failed, every [`SUMMARY_EVERY`], so the wait for the
/// first alert shows progress.
async fn summaries(counts: Arc<Counts>, term: Term) {
    let mut tick = tokio::time::interval(SUMMARY_EVERY);
    tick.tick().await;
    loop {
        tick.tick().await;
        let sent = counts.sent.swap(0, Ordering::Relaxed);
        let failed = counts.failed.swap(0, Ordering::Relaxed);
        let line = format!(
            "{}  traffic: {sent} requests in the last {}, {failed} failed",
            clock(),
            human(SUMMARY_EVERY)
        );
        term.print(&format!("{}\n", term.paint(Style::Dim, &line)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_in_ten_fail_while_failing_and_none_after() {
        let dir = tempfile::tempdir().unwrap();
        let site =
            Site::new(super::super::access_log::AccessLog::open(&dir.path().join("a")).unwrap());
        let failures = |mix: &[&str]| mix.iter().filter(|p| site.answer_status(p) >= 400).count();
        site.failing.store(true, Ordering::Relaxed);
        assert_eq!(failures(&FAILING_MIX), 6);
        site.failing.store(false, Ordering::Relaxed);
        assert_eq!(failures(&HEALTHY_MIX), 0);
    }
}
