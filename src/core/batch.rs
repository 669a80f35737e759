//! Runs a request's DataLoader fetches on the request's own task, and only once the
//! request has registered every key it can.
//!
//! A DataLoader collects the keys its resolvers ask for and fetches them after a short
//! timer. Spawned on the runtime, that timer starts with the first key and runs on another
//! thread, so a list whose siblings register their keys over several polls (a large
//! list yields halfway to be fair to other tasks) or whose thread is preempted by a busy
//! machine gets its level split into several statements. Here the request is polled again
//! and again while it only yields to itself, and the queued fetches start only when it
//! truly waits: a level stays one statement however loaded the machine is.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::dataloader::DataLoader;
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};

/// Re-polls of a request that keeps waking itself before fetches start anyway (bounds
/// the time one request can hold its thread).
const MAX_SELF_WAKES: usize = 64;

/// A queue of futures that one request's task drives next to its execution.
#[derive(Default)]
pub struct LocalTasks {
    queue: Mutex<Vec<BoxFuture<'static, ()>>>,
    /// The request task's waker, for a fetch queued outside its poll.
    waker: Mutex<Option<Waker>>,
}

/// How a DataLoader starts its fetches: where they run, and how long a fetch waits for
/// sibling resolvers to add their keys first.
#[derive(Clone)]
pub struct Spawner {
    run: Arc<dyn Fn(BoxFuture<'static, ()>) + Send + Sync>,
    /// The DataLoader's delay before it takes its keys.
    pub delay: Duration,
}

impl Spawner {
    /// Starts `fut`.
    pub fn spawn(&self, fut: BoxFuture<'static, ()>) {
        (self.run)(fut)
    }

    /// A DataLoader over `loader` whose fetches run through this spawner (in the
    /// current span), after its delay.
    pub fn loader<T: Send + Sync + 'static>(self, loader: T) -> DataLoader<T> {
        let delay = self.delay;
        DataLoader::new(loader, move |f| {
            self.spawn(Box::pin(tracing::Instrument::in_current_span(f)))
        })
        .delay(delay)
    }
}

/// Forwards a wake-up and remembers that one happened.
struct Flagged {
    woken: AtomicBool,
    inner: Waker,
}

impl Wake for Flagged {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.inner.wake_by_ref();
    }
}

impl LocalTasks {
    /// A new, empty queue.
    pub fn new() -> Arc<LocalTasks> {
        Arc::new(LocalTasks::default())
    }

    /// A spawner that queues onto this request's task. Its fetches wait for nothing:
    /// they start only once the request waits on something other than itself, when
    /// every resolver that could add a key has (a DataLoader's usual 1 ms delay would
    /// only add a millisecond per nesting level).
    pub fn spawner(self: &Arc<Self>) -> Spawner {
        let me = self.clone();
        let run = Arc::new(move |fut| {
            if let Ok(mut q) = me.queue.lock() {
                q.push(fut);
            }
            if let Ok(w) = me.waker.lock()
                && let Some(w) = w.as_ref()
            {
                w.wake_by_ref();
            }
        });
        Spawner {
            run,
            delay: Duration::ZERO,
        }
    }

    /// Runs `fut` to completion, driving every queued fetch on the same task.
    pub async fn run<F: Future>(self: Arc<Self>, fut: F) -> F::Output {
        let mut fut = pin!(fut);
        let mut running: FuturesUnordered<BoxFuture<'static, ()>> = FuturesUnordered::new();
        std::future::poll_fn(move |cx: &mut Context<'_>| {
            if let Ok(mut w) = self.waker.lock() {
                *w = Some(cx.waker().clone());
            }
            // Poll the request for as long as it only yields to itself.
            for _ in 0..MAX_SELF_WAKES {
                let flag = Arc::new(Flagged {
                    woken: AtomicBool::new(false),
                    inner: cx.waker().clone(),
                });
                let waker = Waker::from(flag.clone());
                if let Poll::Ready(out) = fut.as_mut().poll(&mut Context::from_waker(&waker)) {
                    return Poll::Ready(out);
                }
                if !flag.woken.load(Ordering::SeqCst) {
                    break;
                }
            }
            // It waits: start what it asked for, and drive what is running.
            if let Ok(mut q) = self.queue.lock() {
                running.extend(q.drain(..));
            }
            while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {}
            Poll::Pending
        })
        .await
    }
}

/// How long a fetch on the runtime's spawner waits for sibling resolvers to add their
/// keys before it queries: spawned, it runs on another thread as soon as its timer
/// fires, so this stays at async-graphql's 1 ms.
pub const RUNTIME_BATCH_DELAY: Duration = Duration::from_millis(1);

/// The runtime's spawner (subscriptions and other long-lived contexts).
pub fn runtime_spawner() -> Spawner {
    Spawner {
        run: Arc::new(|fut| {
            tokio::spawn(fut);
        }),
        delay: RUNTIME_BATCH_DELAY,
    }
}
