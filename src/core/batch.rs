//! Batched loading ([`Batcher`]): resolvers ask for one key each, and each kind of key
//! is fetched with one call of its [`Load`] per batch, on the request's own task, and
//! only once the request has registered every key it can.
//!
//! A batch collects the keys asked for and is fetched when its task starts. Spawned on the
//! runtime, that task starts after a short timer on another thread, so a list whose
//! siblings register their keys over several polls (a large list yields halfway to be
//! fair to other tasks) or whose thread is preempted by a busy machine gets its level
//! split into several statements. Here the request is polled again and again while it only
//! yields to itself, and the queued fetches start only when it truly waits: a level stays
//! one statement however loaded the machine is.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::oneshot;

use crate::core::error::{AppError, AppResult};

/// How a batch of keys of type `K` is fetched.
pub trait Load<K>: Send + Sync + 'static {
    /// What one key loads.
    type Value: Clone + Send + Sync + 'static;

    /// The values of `keys` (each key at most once); a key without a value is absent.
    fn load(&self, keys: &[K]) -> impl Future<Output = AppResult<HashMap<K, Self::Value>>> + Send;
}

/// What a key's caller gets: its value (if it has one), or the batch's error.
pub type Loaded<V> = Result<Option<V>, BatchError>;

/// The error of a batch, shared by every key of it.
#[derive(Debug, Clone)]
pub struct BatchError(pub Arc<AppError>);

/// The keys of one type waiting for their batch's fetch.
struct Waiting<K, V> {
    waiters: Vec<(K, oneshot::Sender<Loaded<V>>)>,
}

struct Shared<T> {
    loader: T,
    spawner: Spawner,
    /// Per key type, a `Waiting<K, V>`.
    pending: Mutex<HashMap<TypeId, Box<dyn Any + Send>>>,
}

/// A loader `T` that answers keys in batches (one per request; clones share it).
pub struct Batcher<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for Batcher<T> {
    fn clone(&self) -> Self {
        Batcher {
            shared: self.shared.clone(),
        }
    }
}

impl<T: Send + Sync + 'static> Batcher<T> {
    /// Batches `loader`'s fetches, which start through `spawner`.
    pub fn new(loader: T, spawner: Spawner) -> Self {
        Batcher {
            shared: Arc::new(Shared {
                loader,
                spawner,
                pending: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The loader itself.
    pub fn loader(&self) -> &T {
        &self.shared.loader
    }

    /// The value of `key`, fetched with the other keys of its type asked for before its
    /// batch starts.
    pub async fn load_one<K>(&self, key: K) -> Loaded<T::Value>
    where
        T: Load<K>,
        K: Eq + Hash + Clone + Send + Sync + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let first = {
            let mut pending = self
                .shared
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let slot = pending.entry(TypeId::of::<K>()).or_insert_with(|| {
                Box::new(Waiting::<K, T::Value> {
                    waiters: Vec::new(),
                })
            });
            let Some(waiting) = slot.downcast_mut::<Waiting<K, T::Value>>() else {
                return Err(BatchError(Arc::new(AppError::Internal(
                    "a batch of another key type".into(),
                ))));
            };
            waiting.waiters.push((key, tx));
            waiting.waiters.len() == 1
        };
        if first {
            // The first key of a batch starts its fetch, which takes every key asked
            // for by the time it runs.
            let shared = self.shared.clone();
            let delay = shared.spawner.delay;
            self.shared
                .spawner
                .spawn(Box::pin(tracing::Instrument::in_current_span(async move {
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    shared.fetch::<K>().await;
                })));
        }
        rx.await.unwrap_or_else(|_| {
            Err(BatchError(Arc::new(AppError::Internal(
                "a batch was dropped".into(),
            ))))
        })
    }
}

impl<T: Send + Sync + 'static> Shared<T> {
    /// Fetches the waiting keys of type `K` and answers their callers.
    async fn fetch<K>(&self)
    where
        T: Load<K>,
        K: Eq + Hash + Clone + Send + Sync + 'static,
    {
        let waiters = {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            match pending
                .get_mut(&TypeId::of::<K>())
                .and_then(|slot| slot.downcast_mut::<Waiting<K, T::Value>>())
            {
                Some(waiting) => std::mem::take(&mut waiting.waiters),
                None => return,
            }
        };
        if waiters.is_empty() {
            return;
        }
        let mut seen = HashSet::with_capacity(waiters.len());
        let keys: Vec<K> = waiters
            .iter()
            .filter(|(k, _)| seen.insert(k.clone()))
            .map(|(k, _)| k.clone())
            .collect();
        let distinct = keys.len() == waiters.len();
        match self.load_chunked(&keys).await {
            Ok(mut values) => {
                for (k, tx) in waiters {
                    // Each key asked once (the usual case) takes its value.
                    let v = if distinct {
                        values.remove(&k)
                    } else {
                        values.get(&k).cloned()
                    };
                    let _ = tx.send(Ok(v));
                }
            }
            Err(e) => {
                let e = BatchError(Arc::new(e));
                for (_, tx) in waiters {
                    let _ = tx.send(Err(e.clone()));
                }
            }
        }
    }

    /// The values of `keys`, [`MAX_BATCH`] keys per call of the loader.
    async fn load_chunked<K>(&self, keys: &[K]) -> AppResult<HashMap<K, T::Value>>
    where
        T: Load<K>,
        K: Eq + Hash,
    {
        let mut values = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(MAX_BATCH) {
            values.extend(self.loader.load(chunk).await?);
        }
        Ok(values)
    }
}

/// Most keys one call of a [`Load`] gets: a larger batch is fetched in chunks of this
/// many (a statement binds each key, and PostgreSQL takes at most 65,535 parameters).
pub const MAX_BATCH: usize = 1000;

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

/// How a [`Batcher`] starts its fetches: where they run, and how long a fetch waits for
/// sibling resolvers to add their keys first.
#[derive(Clone)]
pub struct Spawner {
    run: Arc<dyn Fn(BoxFuture<'static, ()>) + Send + Sync>,
    /// How long a batch waits before it takes its keys.
    pub delay: Duration,
}

impl Spawner {
    /// Starts `fut`.
    pub fn spawn(&self, fut: BoxFuture<'static, ()>) {
        (self.run)(fut)
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
    /// every resolver that could add a key has (a timer would only add its delay per
    /// nesting level).
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
/// fires, so it waits 1 ms.
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Doubles its keys (0 has no value, 13 fails the batch), recording each fetch.
    #[derive(Default)]
    struct Doubles {
        fetches: Mutex<Vec<Vec<u32>>>,
    }

    impl Load<u32> for Doubles {
        type Value = u32;

        async fn load(&self, keys: &[u32]) -> AppResult<HashMap<u32, u32>> {
            let mut sorted = keys.to_vec();
            sorted.sort();
            self.fetches
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(sorted);
            if keys.contains(&13) {
                return Err(AppError::bad_input("key", "thirteen"));
            }
            Ok(keys
                .iter()
                .filter(|k| **k != 0)
                .map(|k| (*k, k * 2))
                .collect())
        }
    }

    fn fetches(b: &Batcher<Doubles>) -> Vec<Vec<u32>> {
        std::mem::take(
            &mut *b
                .loader()
                .fetches
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    #[tokio::test]
    async fn keys_asked_together_are_one_fetch_and_each_gets_its_own_answer() {
        let tasks = LocalTasks::new();
        let b = Batcher::new(Doubles::default(), tasks.spawner());
        let got = tasks
            .clone()
            .run(async {
                futures::join!(b.load_one(1), b.load_one(2), b.load_one(1), b.load_one(0))
            })
            .await;
        assert_eq!(
            (got.0.ok(), got.1.ok(), got.2.ok(), got.3.ok()),
            (Some(Some(2)), Some(Some(4)), Some(Some(2)), Some(None))
        );
        // One fetch, each key once.
        assert_eq!(fetches(&b), vec![vec![0, 1, 2]]);

        // Keys asked after a fetch started are the next batch.
        let later = tasks.clone().run(b.load_one(3)).await;
        assert_eq!(later.ok(), Some(Some(6)));
        assert_eq!(fetches(&b), vec![vec![3]]);
    }

    #[tokio::test]
    async fn a_batch_larger_than_the_maximum_is_fetched_in_chunks() {
        let tasks = LocalTasks::new();
        let b = Batcher::new(Doubles::default(), tasks.spawner());
        // Keys past 13 (which fails its batch).
        let keys: Vec<u32> = (100..).take(2 * MAX_BATCH + 500).collect();
        let got = tasks
            .clone()
            .run(futures::future::join_all(
                keys.iter().map(|k| b.load_one(*k)),
            ))
            .await;
        let answers: Vec<Option<u32>> = got.into_iter().map(|r| r.ok().flatten()).collect();
        assert_eq!(
            answers,
            keys.iter().map(|k| Some(2 * k)).collect::<Vec<_>>()
        );
        let sizes: Vec<usize> = fetches(&b).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![MAX_BATCH, MAX_BATCH, 500]);
    }

    #[tokio::test]
    async fn a_failed_batch_fails_every_key_of_it_with_its_error() {
        let tasks = LocalTasks::new();
        let b = Batcher::new(Doubles::default(), tasks.spawner());
        let (a, c) = tasks
            .clone()
            .run(async { futures::join!(b.load_one(13), b.load_one(5)) })
            .await;
        for r in [a, c] {
            match r {
                Err(e) => assert!(
                    matches!(&*e.0, AppError::BadInput { message, .. } if message == "thirteen"),
                    "{e:?}"
                ),
                Ok(v) => panic!("expected the batch's error, got {v:?}"),
            }
        }
        assert_eq!(fetches(&b), vec![vec![5, 13]]);
    }

    #[tokio::test]
    async fn on_the_runtime_a_batch_waits_for_its_delay_then_fetches() {
        let b = Batcher::new(Doubles::default(), runtime_spawner());
        let (x, y) = futures::join!(b.load_one(4), b.load_one(7));
        assert_eq!((x.ok(), y.ok()), (Some(Some(8)), Some(Some(14))));
        assert_eq!(fetches(&b), vec![vec![4, 7]]);
    }
}
