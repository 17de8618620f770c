//! Notifications end to end: a Slack receiver, a generic webhook receiver and
//! an SMTP sink started by the test receive the alert a critical webhook
//! raises; a Slack outage delays the alert but it arrives exactly once;
//! quiet hours hold back all but critical alerts.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use director_proxy::notify::email::Tls;
use director_proxy::notify::{ChannelConfig, ChannelKind, NotifyConfig};
use director_proxy::store::AlertStore;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub(crate) use director_tests::realtime::{http_channel, http_sink};

use crate::webhooks::{issue_event, post_signed, rig, wait_until, RigOptions, SECRET};

/// A minimal SMTP server on 127.0.0.1 that keeps every message it is given.
pub(crate) struct SmtpSink {
    pub(crate) port: u16,
    pub(crate) messages: Mutex<Vec<String>>,
}

pub(crate) async fn smtp_sink() -> Arc<SmtpSink> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sink = Arc::new(SmtpSink {
        port: listener.local_addr().unwrap().port(),
        messages: Mutex::new(Vec::new()),
    });
    let serving = sink.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sink = serving.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ready\r\n").await.ok()?;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(message) = data.as_mut() {
                        if line == "." {
                            sink.messages.lock().unwrap().push(data.take().unwrap_or_default());
                            write.write_all(b"250 queued\r\n").await.ok()?;
                        } else {
                            message.push_str(line.strip_prefix('.').unwrap_or(&line));
                            message.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 ok\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok()?;
                            return Some(());
                        }
                        _ => b"502 not implemented\r\n",
                    };
                    write.write_all(reply).await.ok()?;
                }
                Some(())
            });
        }
    });
    sink
}

pub(crate) fn email_channel(port: u16) -> ChannelConfig {
    ChannelConfig {
        name: "email".into(),
        kind: ChannelKind::Email,
        url: None,
        url_env: None,
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(port),
        tls: Tls::None,
        from: Some("claudedirector@example.com".into()),
        to: vec!["director@example.com".into()],
        username_env: None,
        password_env: None,
    }
}

fn fast_retries(channels: Vec<ChannelConfig>) -> NotifyConfig {
    NotifyConfig {
        channels,
        retry_base: Duration::from_millis(50),
        retry_max: Duration::from_millis(400),
        timeout: Duration::from_secs(2),
        ..NotifyConfig::default()
    }
}

#[tokio::test]
async fn a_p0_webhook_reaches_slack_email_and_the_push_gateway() {
    let slack = http_sink(0).await;
    let push = http_sink(0).await;
    let smtp = smtp_sink().await;
    let notify = fast_retries(vec![
        http_channel("slack", ChannelKind::Slack, &slack.url),
        http_channel("push", ChannelKind::Webhook, &push.url),
        email_channel(smtp.port),
    ]);
    let rig = rig(RigOptions { notify, ..RigOptions::default() }).await;
    let now = rig.now();
    let body =
        issue_event("jira:issue_created", 9001, "ALPHA-9001", "Highest", "In Progress", &[], now);
    let response = post_signed(&rig.url, &body, "p0-1", SECRET).await;
    assert_eq!(response.status(), 200);
    wait_until("slack, push and email got the alert", Duration::from_secs(10), || {
        !slack.accepted.lock().unwrap().is_empty()
            && !push.accepted.lock().unwrap().is_empty()
            && !smtp.messages.lock().unwrap().is_empty()
    })
    .await;
    let slack_text = slack.accepted.lock().unwrap()[0]["text"].as_str().unwrap_or("").to_owned();
    assert!(slack_text.contains("ALPHA-9001") && slack_text.contains("critical"), "{slack_text}");
    let pushed = push.accepted.lock().unwrap()[0].clone();
    assert_eq!(pushed["kind"], "alert");
    assert_eq!(pushed["severity"], "critical");
    let mail = smtp.messages.lock().unwrap()[0].clone();
    assert!(mail.contains("Subject: [critical]") && mail.contains("ALPHA-9001"), "{mail}");
    assert!(mail.contains("To: director@example.com"), "{mail}");
    // The alert is listed, and sent once however often the rules run again.
    rig.alerting.evaluate(Vec::new()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(slack.accepted.lock().unwrap().len(), 1);
    assert_eq!(smtp.messages.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn slack_down_for_a_while_delays_the_alert_which_then_arrives_once() {
    let slack = http_sink(4).await;
    let notify = fast_retries(vec![http_channel("slack", ChannelKind::Slack, &slack.url)]);
    let rig = rig(RigOptions { notify, ..RigOptions::default() }).await;
    let body =
        issue_event("jira:issue_created", 7001, "ALPHA-7001", "Critical", "To Do", &[], rig.now());
    assert_eq!(post_signed(&rig.url, &body, "down-1", SECRET).await.status(), 200);
    wait_until("slack accepted the alert after its outage", Duration::from_secs(15), || {
        !slack.accepted.lock().unwrap().is_empty()
    })
    .await;
    // Let the worker run a while longer: nothing is sent twice.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(slack.accepted.lock().unwrap().len(), 1);
    assert_eq!(slack.hits.load(Ordering::SeqCst), 5, "four refusals, then one delivery");
    let outbox = rig.store.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert!(outbox[0].sent.is_some());
    assert_eq!(outbox[0].attempts, 4);
    assert!(outbox[0].last_error.as_deref().unwrap_or("").contains("503"));
}

#[tokio::test]
async fn quiet_hours_hold_back_all_but_critical_alerts() {
    let slack = http_sink(0).await;
    let mut notify = fast_retries(vec![http_channel("slack", ChannelKind::Slack, &slack.url)]);
    // Quiet all day except the minute that never comes: every hour is quiet.
    notify.quiet_hours = Some("00:00-23:59".into());
    let rig = rig(RigOptions { notify, ..RigOptions::default() }).await;
    let now = rig.now();
    let high = issue_event("jira:issue_created", 8001, "ALPHA-8001", "High", "To Do", &[], now);
    let critical =
        issue_event("jira:issue_created", 8002, "ALPHA-8002", "Highest", "To Do", &[], now);
    assert_eq!(post_signed(&rig.url, &high, "quiet-1", SECRET).await.status(), 200);
    assert_eq!(post_signed(&rig.url, &critical, "quiet-2", SECRET).await.status(), 200);
    wait_until("the critical alert went out", Duration::from_secs(10), || {
        !slack.accepted.lock().unwrap().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = slack.accepted.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0]["text"].as_str().unwrap().contains("ALPHA-8002"));
    let held: Vec<_> =
        rig.store.outbox().unwrap().into_iter().filter(|row| row.sent.is_none()).collect();
    assert_eq!(held.len(), 1);
    assert!(held[0].payload.contains("ALPHA-8001"));
    assert!(held[0].next_attempt > now);
}

#[tokio::test]
async fn the_weekly_executive_summary_is_emailed_once_to_the_list() {
    let smtp = smtp_sink().await;
    let mut notify = fast_retries(vec![email_channel(smtp.port)]);
    notify.summary_to = vec!["cto@example.com".into(), "vp@example.com".into()];
    let rig = rig(RigOptions { notify, ..RigOptions::default() }).await;
    let done = issue_event(
        "jira:issue_created",
        6001,
        "ALPHA-6001",
        "Medium",
        "Done",
        &[],
        rig.now() - chrono::Duration::days(7),
    );
    assert_eq!(post_signed(&rig.url, &done, "sum-1", SECRET).await.status(), 200);
    wait_until("the issue is applied", Duration::from_secs(5), || {
        rig.webhooks.stats().applied == 1
    })
    .await;
    assert!(rig.alerting.send_summary().await.unwrap());
    assert!(
        rig.alerting.send_summary().await.unwrap(),
        "queued again, but the week's key is taken"
    );
    wait_until("the summary is mailed", Duration::from_secs(10), || {
        !smtp.messages.lock().unwrap().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let messages = smtp.messages.lock().unwrap().clone();
    assert_eq!(messages.len(), 1, "one summary per week");
    assert!(messages[0].contains("Subject: Executive summary, week"), "{}", messages[0]);
    assert!(messages[0].contains("To: cto@example.com, vp@example.com"), "{}", messages[0]);
    assert!(messages[0].contains("# Executive summary"), "{}", messages[0]);
}
