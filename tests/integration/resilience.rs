//! JIRA misbehaving: a 429 storm (no call before Retry-After elapses), 5xx
//! and slow pages, truncated bodies, issues changing while pages are read.

use std::sync::Arc;
use std::time::Duration;

use director_proxy::config::Flavor;
use director_sim::{Fault, FaultRule, Matcher, Preset};
use director_tests::{assert_store_matches_sim, config_for, sim_options, start_proxy, start_sim};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_is_waited_out_exactly() {
    let sim = Arc::new(start_sim(sim_options(Preset::Tiny)).await.unwrap());
    let mut config = config_for(&sim, Flavor::Cloud);
    config.jira.page_size = 50;
    let proxy = start_proxy(&sim, config).await.unwrap();
    sim.faults().push(
        FaultRule::new(
            Matcher::path("/rest/api/3/search"),
            Fault::RateLimited { retry_after_secs: 1 },
        )
        .times(3),
    );
    let report = proxy.sync(false).await;
    assert!(report.ok, "{report:?}");
    assert_store_matches_sim(&proxy.state, &sim);
    let log = sim.request_log();
    let limited: Vec<_> = log.iter().filter(|r| r.status == 429).collect();
    assert_eq!(limited.len(), 3, "{log:?}");
    for hit in limited {
        let too_early = log
            .iter()
            .filter(|r| r.at > hit.at && r.at < hit.at + chrono::Duration::milliseconds(1000))
            .collect::<Vec<_>>();
        assert!(
            too_early.is_empty(),
            "calls within Retry-After of a 429 at {}: {too_early:?}",
            hit.at
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_slow_pages_and_truncated_bodies_are_retried() {
    let sim = Arc::new(start_sim(sim_options(Preset::Tiny)).await.unwrap());
    let mut config = config_for(&sim, Flavor::Cloud);
    config.jira.page_size = 50;
    config.jira.timeout = Duration::from_millis(1500);
    let proxy = start_proxy(&sim, config).await.unwrap();
    let search = || Matcher::path("/rest/api/3/search");
    sim.faults().push(FaultRule::new(search(), Fault::ServerError(503)).times(2));
    sim.faults().push(FaultRule::new(search(), Fault::ServerError(500)).after(2).times(1));
    sim.faults().push(FaultRule::new(search(), Fault::Truncated).after(3).times(2));
    sim.faults()
        .push(FaultRule::new(search(), Fault::Slow(Duration::from_secs(3))).after(5).times(1));
    sim.faults()
        .push(FaultRule::new(search(), Fault::Slow(Duration::from_millis(300))).after(6).times(2));
    let report = proxy.sync(false).await;
    assert!(report.ok, "{report:?}");
    assert_store_matches_sim(&proxy.state, &sim);
    let statuses: Vec<u16> = sim.request_log().iter().map(|r| r.status).collect();
    assert!(statuses.contains(&503) && statuses.contains(&500), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issues_changing_while_pages_are_read_are_caught_next_run() {
    let sim = Arc::new(start_sim(sim_options(Preset::Tiny)).await.unwrap());
    let mut config = config_for(&sim, Flavor::Cloud);
    config.jira.page_size = 30;
    let proxy = start_proxy(&sim, config).await.unwrap();
    sim.faults().push(
        FaultRule::new(Matcher::path("/rest/api/3/search"), Fault::MutateDuringPaging).times(4),
    );
    assert!(proxy.sync(false).await.ok);
    // Whatever moved during the first run is inside the next run's window.
    let second = proxy.sync(false).await;
    assert!(second.ok, "{second:?}");
    assert_store_matches_sim(&proxy.state, &sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jira_down_keeps_serving_with_the_reason_visible() {
    let sim = Arc::new(start_sim(sim_options(Preset::Tiny)).await.unwrap());
    let mut config = config_for(&sim, Flavor::Cloud);
    config.jira.max_retries = 1;
    let proxy = start_proxy(&sim, config).await.unwrap();
    assert!(proxy.sync(false).await.ok);
    sim.faults().push(FaultRule::new(Matcher::path("/rest/"), Fault::ServerError(502)).times(100));
    let failed = proxy.sync(true).await;
    assert!(!failed.ok);
    let status: serde_json::Value =
        reqwest::get(proxy.url("/api/v1/sync/status")).await.unwrap().json().await.unwrap();
    assert!(status["last_error"].as_str().unwrap_or("").contains("502"), "{status}");
    assert!(status["issues_stored"].as_u64().unwrap() > 100, "{status}");
    let delta: serde_json::Value =
        reqwest::get(proxy.url("/api/v1/issues")).await.unwrap().json().await.unwrap();
    assert!(delta["issues"].as_array().unwrap().len() > 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_stops_calls_and_says_so() {
    let sim = Arc::new(start_sim(sim_options(Preset::Tiny)).await.unwrap());
    let mut config = config_for(&sim, Flavor::Cloud);
    config.sync.daily_budget = 5;
    let proxy = start_proxy(&sim, config).await.unwrap();
    let report = proxy.sync(false).await;
    assert!(!report.ok, "{report:?}");
    assert!(report.error.as_deref().unwrap_or("").contains("budget"), "{report:?}");
    assert_eq!(sim.request_log().len(), 5, "calls past the budget reached jira");
    let status: serde_json::Value =
        reqwest::get(proxy.url("/api/v1/sync/status")).await.unwrap().json().await.unwrap();
    assert_eq!(status["budget_left"], 0, "{status}");
    assert_eq!(status["rate_limit"], "budget spent", "{status}");
    assert!(status["last_error"].as_str().unwrap_or("").contains("budget"), "{status}");
}
