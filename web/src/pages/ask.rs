//! `/ask`: a question in plain words ("How is Team Alpha doing?") answered by
//! `director_core::ask` over the cached data, in the browser. Where the
//! browser offers speech recognition, a microphone button fills the box.

use director_core::ask;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::state::use_data;

/// The ask page.
#[component]
pub fn AskPage() -> impl IntoView {
    let data = use_data();
    let question = RwSignal::new(String::new());
    let answer = RwSignal::new(None::<ask::Answer>);
    let listening = RwSignal::new(false);
    let run = move |text: String| {
        if text.trim().is_empty() {
            return;
        }
        let dataset = data.dataset.get_untracked();
        answer.set(Some(ask::ask(&text, &dataset, data.now.get_untracked())));
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        run(question.get_untracked());
    };
    let speech = speech_recognition_constructor();
    let mic = speech.map(|constructor| {
        let listen = move |_| {
            let Ok(recognition) = js_sys::Reflect::construct(&constructor, &js_sys::Array::new())
            else {
                return;
            };
            let _ = js_sys::Reflect::set(&recognition, &"lang".into(), &"en-GB".into());
            let on_result = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let transcript = js_sys::Reflect::get(&event, &"results".into())
                    .and_then(|results| js_sys::Reflect::get_u32(&results, 0))
                    .and_then(|result| js_sys::Reflect::get_u32(&result, 0))
                    .and_then(|alternative| {
                        js_sys::Reflect::get(&alternative, &"transcript".into())
                    })
                    .ok()
                    .and_then(|text| text.as_string());
                listening.set(false);
                if let Some(text) = transcript {
                    question.set(text.clone());
                    run(text);
                }
            });
            let _ = js_sys::Reflect::set(
                &recognition,
                &"onresult".into(),
                on_result.as_ref().unchecked_ref(),
            );
            on_result.forget();
            let start = js_sys::Reflect::get(&recognition, &"start".into())
                .ok()
                .and_then(|start| start.dyn_into::<js_sys::Function>().ok());
            if let Some(start) = start {
                listening.set(start.call0(&recognition).is_ok());
            }
        };
        view! {
            <button type="button" class="secondary" aria-label="Ask by voice" on:click=listen>
                {move || if listening.get() { "Listening…" } else { "🎤" }}
            </button>
        }
    });
    view! {
        <section class="ask">
            <h1>"Ask"</h1>
            <form on:submit=on_submit>
                <label for="question" class="visually-hidden">"Question"</label>
                <input
                    id="question"
                    type="text"
                    data-testid="ask-input"
                    placeholder="How is Team Alpha doing?"
                    prop:value=move || question.get()
                    on:input=move |ev| question.set(event_target_value(&ev))
                />
                <button type="submit" data-testid="ask-submit">"Ask"</button>
                {mic}
            </form>
            {move || {
                answer
                    .get()
                    .map(|answer| {
                        let issues: Vec<String> = answer.issues.iter().take(10).map(|key| key.0.clone()).collect();
                        view! {
                            <div class="answer" data-testid="ask-answer" aria-live="polite">
                                <p>{answer.text.clone()}</p>
                                {(!issues.is_empty()).then(|| view! { <p class="detail">{issues.join(", ")}</p> })}
                            </div>
                            <ul class="suggestions">
                                {answer
                                    .suggestions
                                    .into_iter()
                                    .map(|suggestion| {
                                        let text = suggestion.clone();
                                        view! {
                                            <li>
                                                <button
                                                    type="button"
                                                    class="secondary"
                                                    on:click=move |_| {
                                                        question.set(text.clone());
                                                        run(text.clone());
                                                    }
                                                >
                                                    {suggestion}
                                                </button>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                    })
            }}
        </section>
    }
}

/// The browser's `SpeechRecognition` (or prefixed) constructor, if any.
fn speech_recognition_constructor() -> Option<js_sys::Function> {
    let window: JsValue = web_sys::window()?.into();
    ["SpeechRecognition", "webkitSpeechRecognition"].iter().find_map(|name| {
        js_sys::Reflect::get(&window, &JsValue::from_str(name))
            .ok()
            .and_then(|value| value.dyn_into().ok())
    })
}
