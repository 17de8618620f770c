//! `/alerts`: the proxy's open alerts, live (the event stream brings new ones
//! in as they are raised), filterable by severity and team, each one
//! acknowledgeable.

use director_core::alerts::{Alert, Severity};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::Client;
use crate::state::use_data;

/// The alerts page.
#[component]
pub fn AlertsPage() -> impl IntoView {
    let data = use_data();
    let severity = RwSignal::new(String::new());
    let team = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let shown = move || {
        let severity = severity.get();
        let team = team.get();
        data.alerts.with(|alerts| {
            alerts
                .iter()
                .filter(|alert| severity.is_empty() || alert.severity.to_string() == severity)
                .filter(|alert| {
                    team.is_empty() || alert.team.as_ref().is_some_and(|id| id.0 == team)
                })
                .cloned()
                .collect::<Vec<Alert>>()
        })
    };
    let acknowledge = move |id: String| {
        spawn_local(async move {
            match Client::default().acknowledge(&id).await {
                Ok(updated) => {
                    data.alerts.update(|alerts| {
                        if let Some(alert) = alerts.iter_mut().find(|alert| alert.id == updated.id)
                        {
                            *alert = updated;
                        }
                    });
                    message.set(None);
                }
                Err(err) => message.set(Some(format!("could not acknowledge: {err}"))),
            }
        });
    };
    view! {
        <section class="alerts">
            <h1>"Alerts"</h1>
            <div class="controls">
                <label>
                    "Severity"
                    <select on:change=move |ev| severity.set(event_target_value(&ev))>
                        <option value="">"All"</option>
                        {[Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
                            .into_iter()
                            .map(|level| view! { <option value=level.to_string()>{level.to_string()}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Team"
                    <select on:change=move |ev| team.set(event_target_value(&ev))>
                        <option value="">"All"</option>
                        {move || {
                            data.snapshot
                                .with(|snapshot| {
                                    snapshot
                                        .teams
                                        .iter()
                                        .map(|team| {
                                            let name = team.id.0.clone();
                                            view! { <option value=name.clone()>{name.clone()}</option> }
                                        })
                                        .collect_view()
                                })
                        }}
                    </select>
                </label>
            </div>
            <p role="status">{move || message.get()}</p>
            <ul class="alerts" aria-live="polite">
                {move || {
                    let alerts = shown();
                    if alerts.is_empty() {
                        return view! { <li class="empty">"No open alerts."</li> }.into_any();
                    }
                    alerts
                        .into_iter()
                        .map(|alert| {
                            let id = alert.id.0.clone();
                            let id_attr = id.clone();
                            let class = match (alert.acknowledged, alert.severity) {
                                (true, _) => "alert-item acknowledged",
                                (false, Severity::Critical) => "alert-item critical",
                                _ => "alert-item",
                            };
                            let issues: Vec<String> = alert.issues.iter().map(|key| key.0.clone()).collect();
                            view! {
                                <li class=class data-testid="alert-item" data-alert-id=id_attr>
                                    <strong>{format!("{} · ", alert.severity)}</strong>
                                    {alert.title.clone()}
                                    <span class="detail">
                                        {format!(
                                            "{} · {} · since {}",
                                            alert.team.as_ref().map(|team| team.0.clone()).unwrap_or_default(),
                                            issues.join(", "),
                                            crate::dates::day_month_time(&alert.since.unwrap_or(alert.first_seen)),
                                        )}
                                    </span>
                                    {if alert.acknowledged {
                                        view! { <span class="detail" data-testid="alert-acknowledged">"acknowledged"</span> }
                                            .into_any()
                                    } else {
                                        view! {
                                            <button
                                                type="button"
                                                data-testid="alert-ack"
                                                on:click=move |_| acknowledge(id.clone())
                                            >
                                                "Acknowledge"
                                            </button>
                                        }
                                            .into_any()
                                    }}
                                </li>
                            }
                        })
                        .collect_view()
                        .into_any()
                }}
            </ul>
        </section>
    }
}
