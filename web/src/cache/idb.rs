//! Promise plumbing over the callback-style IndexedDB API: a request or a
//! transaction becomes a future.

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbVersionChangeEvent};

use crate::error::Error;

/// Waits for `request` and returns its result.
pub(super) async fn request(request: &IdbRequest, what: &str) -> Result<JsValue, Error> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let ok_request = request.clone();
        let on_success = Closure::once_into_js(move |_event: web_sys::Event| {
            let result = ok_request.result().unwrap_or(JsValue::UNDEFINED);
            let _ = resolve.call1(&JsValue::UNDEFINED, &result);
        });
        let err_request = request.clone();
        let on_error = Closure::once_into_js(move |_event: web_sys::Event| {
            let _ = reject.call1(&JsValue::UNDEFINED, &request_error(&err_request));
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .map_err(|err| Error::Cache(format!("{what} failed: {}", describe(&err))))
}

/// Waits until `tx` commits.
pub(super) async fn commit(tx: &IdbTransaction, what: &str) -> Result<(), Error> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let on_complete = Closure::once_into_js(move |_event: web_sys::Event| {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        let failed_tx = tx.clone();
        let reject_abort = reject.clone();
        let abort_tx = tx.clone();
        let on_error = Closure::once_into_js(move |_event: web_sys::Event| {
            let err =
                failed_tx.error().map(JsValue::from).unwrap_or_else(|| "transaction error".into());
            let _ = reject.call1(&JsValue::UNDEFINED, &err);
        });
        let on_abort = Closure::once_into_js(move |_event: web_sys::Event| {
            let err =
                abort_tx.error().map(JsValue::from).unwrap_or_else(|| "transaction aborted".into());
            let _ = reject_abort.call1(&JsValue::UNDEFINED, &err);
        });
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        tx.set_onerror(Some(on_error.unchecked_ref()));
        tx.set_onabort(Some(on_abort.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|err| Error::Cache(format!("{what} failed: {}", describe(&err))))
}

/// Opens (creating or upgrading) the database `name` at `version`.
pub(super) async fn open(
    name: &str,
    version: u32,
    upgrade: fn(&IdbDatabase, &IdbTransaction, u32, u32) -> Result<(), Error>,
) -> Result<IdbDatabase, Error> {
    let factory = web_sys::window()
        .and_then(|window| window.indexed_db().ok().flatten())
        .ok_or_else(|| Error::Cache("indexeddb is not available in this browser".to_owned()))?;
    let open_request: IdbOpenDbRequest = factory.open_with_u32(name, version).map_err(|err| {
        Error::Cache(format!("could not open database {name}: {}", describe(&err)))
    })?;
    let on_upgrade =
        Closure::<dyn FnMut(IdbVersionChangeEvent)>::new(move |event: IdbVersionChangeEvent| {
            let Some(request) =
                event.target().and_then(|target| target.dyn_into::<IdbOpenDbRequest>().ok())
            else {
                return;
            };
            let (Ok(db), Some(tx)) = (request.result(), request.transaction()) else { return };
            let db: IdbDatabase = db.unchecked_into();
            let old_version = event.old_version() as u32;
            let new_version = event.new_version().map_or(old_version, |v| v as u32);
            if let Err(err) = upgrade(&db, &tx, old_version, new_version) {
                web_sys::console::error_1(&err.to_string().into());
                let _ = tx.abort();
            }
        });
    open_request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let res = request(&open_request, &format!("opening database {name}")).await;
    open_request.set_onupgradeneeded(None);
    drop(on_upgrade);
    let db: IdbDatabase = res?.unchecked_into();
    // Another tab asking for a newer schema must not be blocked by this one.
    let closing_db = db.clone();
    let on_version_change = Closure::<dyn FnMut()>::new(move || closing_db.close());
    db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    on_version_change.forget();
    Ok(db)
}

/// Deletes the database `name` (tests and "reset cache").
pub(super) async fn delete(name: &str) -> Result<(), Error> {
    let factory = web_sys::window()
        .and_then(|window| window.indexed_db().ok().flatten())
        .ok_or_else(|| Error::Cache("indexeddb is not available in this browser".to_owned()))?;
    let delete_request = factory.delete_database(name).map_err(|err| {
        Error::Cache(format!("could not delete database {name}: {}", describe(&err)))
    })?;
    request(&delete_request, &format!("deleting database {name}")).await.map(|_| ())
}

fn request_error(request: &IdbRequest) -> JsValue {
    match request.error() {
        Ok(Some(err)) => err.into(),
        _ => "request failed".into(),
    }
}

/// A readable message from a thrown JS value (a `DOMException`, an `Error`, a string).
pub(super) fn describe(value: &JsValue) -> String {
    if let Some(exception) = value.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", exception.name(), exception.message());
    }
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}
