//! What `graphql-transport-ws` asks of a server beyond what async-graphql's socket does:
//! close codes 4400 (a message that is not JSON, or whose type or format the protocol
//! does not name), 4401 (`subscribe`
//! before `connection_init`), 4408 (no `connection_init` within the init timeout) and
//! 4409 (a second `subscribe` with an id still running). The guard sits between the
//! client and async-graphql: it reads each client frame first, and a protocol error ends
//! the input with the close frame the protocol names. (4429, a second `connection_init`,
//! is async-graphql's own.) The legacy `graphql-ws` protocol only gets the checks it
//! names itself.
//!
//! With authentication on, the guard also checks the first `connection_init` payload
//! (its `authorization`) before async-graphql acknowledges it: a refused one closes the
//! connection with 4403 (after a `connection_error` on the legacy protocol).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::channel::mpsc;
use futures::{SinkExt, Stream, StreamExt};

/// Subscription ids the client started and the server has not completed.
type Active = Arc<Mutex<HashSet<String>>>;

/// The two halves async-graphql's socket gets, and the task that forwards its output to
/// the client (run it next to the socket).
pub struct Guarded {
    /// What async-graphql writes to.
    pub sink: mpsc::Sender<Message>,
    /// What async-graphql reads: the client's frames, checked.
    pub stream: futures::stream::BoxStream<'static, Result<Message, axum::Error>>,
    /// Forwards async-graphql's output (and the guard's close frames) to the client.
    pub forward: futures::future::BoxFuture<'static, ()>,
}

/// Checks a `connection_init` payload; `false` refuses the connection (4403).
pub type InitCheck =
    Box<dyn FnOnce(serde_json::Value) -> futures::future::BoxFuture<'static, bool> + Send>;

/// What the guard checks.
pub struct GuardOptions {
    /// Time allowed before `connection_init` (graphql-transport-ws).
    pub init_timeout: Duration,
    /// Whether the client speaks `graphql-transport-ws` (else legacy `graphql-ws`).
    pub transport_ws: bool,
    /// The check of the first `connection_init` payload, when authentication is on.
    pub on_init: Option<InitCheck>,
}

/// The frame that refuses a connection's credentials: 4403 on either protocol.
pub fn forbidden() -> Message {
    close(4403, "Forbidden")
}

/// Puts the guard around `socket`.
pub fn guard(socket: WebSocket, options: GuardOptions) -> Guarded {
    let (mut client_sink, client_stream) = socket.split();
    let (tx, mut rx) = mpsc::channel::<Message>(64);
    let active: Active = Arc::default();
    let forward = {
        let active = active.clone();
        async move {
            while let Some(msg) = rx.next().await {
                if let Message::Text(text) = &msg
                    && text.contains("\"complete\"")
                    && let Some(id) = completed_id(text.as_str())
                    && let Ok(mut a) = active.lock()
                {
                    a.remove(&id);
                }
                let closing = matches!(msg, Message::Close(_));
                if client_sink.send(msg).await.is_err() || closing {
                    break;
                }
            }
            client_sink.close().await.ok();
        }
    };
    Guarded {
        sink: tx.clone(),
        stream: checked(client_stream, tx, active, options).boxed(),
        forward: Box::pin(forward),
    }
}

/// The id of a server's `complete` message.
fn completed_id(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    (v["type"] == "complete")
        .then(|| v["id"].as_str().map(str::to_owned))
        .flatten()
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.to_owned().into(),
    }))
}

/// Whether a client message of `graphql-transport-ws` has a type and a format the
/// protocol names (anything else closes the socket with 4400): `connection_init`, `ping`,
/// `pong`; `subscribe` with a string `id` and a `payload` object whose `query` is a
/// string; `complete` with a string `id`.
fn well_formed(kind: Option<&str>, id: Option<&str>, message: Option<&serde_json::Value>) -> bool {
    match kind {
        Some("connection_init" | "ping" | "pong") => true,
        Some("subscribe") => {
            id.is_some_and(|i| !i.is_empty())
                && message.is_some_and(|m| m["payload"]["query"].is_string())
        }
        Some("complete") => id.is_some(),
        _ => false,
    }
}

/// The client's frames, each checked before async-graphql sees it.
fn checked(
    mut input: impl Stream<Item = Result<Message, axum::Error>> + Send + Unpin + 'static,
    mut closer: mpsc::Sender<Message>,
    active: Active,
    options: GuardOptions,
) -> impl Stream<Item = Result<Message, axum::Error>> + Send {
    let GuardOptions {
        init_timeout,
        transport_ws,
        mut on_init,
    } = options;
    async_stream::stream! {
        let deadline = tokio::time::Instant::now() + init_timeout;
        let mut initialised = false;
        loop {
            let next = if initialised || !transport_ws {
                input.next().await
            } else {
                match tokio::time::timeout_at(deadline, input.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        closer.send(close(4408, "Connection initialisation timeout")).await.ok();
                        break;
                    }
                }
            };
            let Some(frame) = next else { break };
            let Ok(msg) = frame else {
                yield frame;
                break;
            };
            let text = match &msg {
                Message::Text(t) => Some(t.as_str().to_owned()),
                Message::Binary(b) => Some(String::from_utf8_lossy(b).into_owned()),
                _ => None,
            };
            if let Some(text) = text {
                let parsed: Option<serde_json::Value> = serde_json::from_str(&text).ok();
                let kind = parsed.as_ref().and_then(|v| v["type"].as_str().map(str::to_owned));
                let id = parsed.as_ref().and_then(|v| v["id"].as_str().map(str::to_owned));
                if kind.as_deref() == Some("connection_init")
                    && let Some(check) = on_init.take()
                {
                    let payload = parsed.as_ref().map(|v| v["payload"].clone()).unwrap_or_default();
                    if !check(payload).await {
                        if !transport_ws {
                            let refusal = serde_json::json!({
                                "type": "connection_error",
                                "payload": {"message": "Forbidden"},
                            });
                            closer.send(Message::Text(refusal.to_string().into())).await.ok();
                        }
                        closer.send(forbidden()).await.ok();
                        break;
                    }
                }
                if !transport_ws {
                    yield Ok(msg);
                    continue;
                }
                if !well_formed(kind.as_deref(), id.as_deref(), parsed.as_ref()) {
                    closer.send(close(4400, "Invalid message received")).await.ok();
                    break;
                }
                match kind.as_deref() {
                    None => {
                        closer.send(close(4400, "Invalid message received")).await.ok();
                        break;
                    }
                    Some("connection_init") => initialised = true,
                    Some("subscribe") if !initialised => {
                        closer.send(close(4401, "Unauthorized")).await.ok();
                        break;
                    }
                    Some("subscribe") => {
                        let id = id.unwrap_or_default();
                        let fresh = active.lock().map(|mut a| a.insert(id.clone())).unwrap_or(true);
                        if !fresh {
                            closer
                                .send(close(4409, &format!("Subscriber for {id} already exists")))
                                .await
                                .ok();
                            break;
                        }
                    }
                    Some("complete") => {
                        if let (Some(id), Ok(mut a)) = (id, active.lock()) {
                            a.remove(&id);
                        }
                    }
                    Some(_) => {}
                }
            }
            yield Ok(msg);
        }
    }
}
