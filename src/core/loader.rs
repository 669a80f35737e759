//! One batch loader per request, answering every relation in batches: to-one references by
//! id (`ById<E>`: one `WHERE id IN (...)` per batch) and to-many relations as per-parent
//! pages (`Children<R>`: one windowed statement per batch and distinct arguments).
//! Resolvers never query the database for a relation themselves.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;

use sea_orm::{DatabaseConnection, EntityTrait};
use serde::Serialize;
use uuid::Uuid;

use super::batch::{Batcher, Load};
use super::context::RequestContext;
use super::node::NodeEntity;
use super::paging::{Page, Window};
use super::store::{self, CountRollup, ListSpec, ParentLink};

/// The per-request loader.
pub struct DbLoader {
    db: super::reads::ReadPool,
    ctx: RequestContext,
}

impl DbLoader {
    /// A loader for one request (it applies that request's scope); its fetches run
    /// through `spawner` (see `core::batch`).
    pub fn new(
        db: super::reads::ReadPool,
        ctx: RequestContext,
        spawner: super::batch::Spawner,
    ) -> Batcher<DbLoader> {
        Batcher::new(DbLoader { db, ctx }, spawner)
    }

    /// The database it reads (for a domain's own loaders: every batch still applies
    /// [`Self::ctx`]'s scope).
    pub fn db(&self) -> &DatabaseConnection {
        &self.db.db
    }

    /// The request it loads for: its scope and its instant.
    pub fn ctx(&self) -> &RequestContext {
        &self.ctx
    }

    /// Reads at the request's instant (the present unless it asked for one).
    pub(crate) fn reader(&self) -> super::asof::Reader<'_> {
        super::asof::Reader::new(&self.db, self.ctx.as_of.get())
    }
}

/// Key: the row of `E` with this id.
pub struct ById<E>(pub Uuid, PhantomData<fn() -> E>);

impl<E> ById<E> {
    /// Key for `id`.
    pub fn new(id: Uuid) -> Self {
        ById(id, PhantomData)
    }
}
impl<E> Clone for ById<E> {
    fn clone(&self) -> Self {
        ById(self.0, PhantomData)
    }
}
impl<E> PartialEq for ById<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<E> Eq for ById<E> {}
impl<E> Hash for ById<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

impl<E: NodeEntity> Load<ById<E>> for DbLoader
where
    E::Model: sea_orm::FromQueryResult + Clone + Send + Sync + Serialize,
{
    type Value = E::Model;

    async fn load(
        &self,
        keys: &[ById<E>],
    ) -> crate::core::error::AppResult<HashMap<ById<E>, E::Model>> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let span = tracing::info_span!(
            "dataloader.batch",
            otel.name = %format!("dataloader {} by id", E::NODE_TYPE.name()),
            keys = ids.len(),
        );
        let rows = tracing::Instrument::instrument(
            store::by_ids::<E>(&self.reader(), &self.ctx, &ids),
            span,
        )
        .await?;
        Ok(rows.into_iter().map(|(id, m)| (ById::new(id), m)).collect())
    }
}

/// A to-many relation: rows of `Child` whose `parent_col` points at the parent.
pub trait ChildRelation: Send + Sync + 'static {
    /// The child table.
    type Child: NodeEntity;
    /// How a child points at its parent.
    fn parent_link() -> ParentLink<<Self::Child as EntityTrait>::Column>;

    /// Where an unfiltered count of a parent's children can be read exactly without
    /// visiting them (PostgreSQL), if anywhere.
    fn count_rollup() -> Option<CountRollup> {
        None
    }
}

/// Declares marker types for to-many relations: `Name: child_module.ParentColumn`,
/// optionally `or edge "kind" to ParentType` when explicit edges also make children, and
/// `counted by rollup "column"` when the prediction rollups count them.
macro_rules! child_relations {
    ($( $(#[$m:meta])* $name:ident: $module:ident . $col:ident
        $(or edge $kind:literal to $parent:ident)?
        $(counted by rollup $rollup_col:literal)? ),+ $(,)?) => {$(
        $(#[$m])*
        pub struct $name;
        impl $crate::core::loader::ChildRelation for $name {
            type Child = entity::$module::Entity;
            fn parent_link() -> $crate::core::store::ParentLink<entity::$module::Column> {
                $crate::core::loader::child_relations!(@link entity::$module::Column::$col $(, $kind, $parent)?)
            }
            $(
                fn count_rollup() -> Option<$crate::core::store::CountRollup> {
                    Some($crate::core::store::CountRollup::predictions($rollup_col))
                }
            )?
        }
    )+};
    (@link $col:path) => { $crate::core::store::ParentLink::Column($col) };
    (@link $col:path, $kind:literal, $parent:ident) => {
        $crate::core::store::ParentLink::ColumnOrEdge {
            column: $col,
            kind: $kind,
            parent_type: $crate::core::ids::NodeType::$parent,
        }
    };
}
pub(crate) use child_relations;

/// Arguments of one to-many field (filter, order, window), shared by all its parents.
pub struct ChildArgs<E: EntityTrait> {
    spec: ListSpec<E>,
    window: Window,
    /// Whether `totalCount` was selected (counting costs a scan of the parent's children).
    want_total: bool,
    /// Identifies equal arguments (the filter's debug form, keys and window).
    fingerprint: String,
}

impl<E: EntityTrait> ChildArgs<E> {
    /// Arguments from a spec, a window and a fingerprint of the client's arguments.
    pub fn new(
        spec: ListSpec<E>,
        window: Window,
        want_total: bool,
        fingerprint: String,
    ) -> Arc<Self> {
        let fingerprint = format!("{fingerprint}|{:?}|{window:?}|{want_total}", spec.order);
        Arc::new(ChildArgs {
            spec,
            window,
            want_total,
            fingerprint,
        })
    }
}

/// Key: the page of `R`'s children of one parent under some arguments.
pub struct Children<R: ChildRelation> {
    /// The parent's id.
    pub parent: Uuid,
    /// The field's arguments.
    pub args: Arc<ChildArgs<R::Child>>,
}

impl<R: ChildRelation> Children<R> {
    /// Key for `parent`'s page under `args`.
    pub fn new(parent: Uuid, args: Arc<ChildArgs<R::Child>>) -> Self {
        Children { parent, args }
    }
}
impl<R: ChildRelation> Clone for Children<R> {
    fn clone(&self) -> Self {
        Children {
            parent: self.parent,
            args: self.args.clone(),
        }
    }
}
impl<R: ChildRelation> PartialEq for Children<R> {
    fn eq(&self, other: &Self) -> bool {
        self.parent == other.parent && self.args.fingerprint == other.args.fingerprint
    }
}
impl<R: ChildRelation> Eq for Children<R> {}
impl<R: ChildRelation> Hash for Children<R> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parent.hash(state);
        self.args.fingerprint.hash(state);
    }
}

impl<R: ChildRelation> Load<Children<R>> for DbLoader
where
    <R::Child as EntityTrait>::Model: sea_orm::FromQueryResult + Clone + Send + Sync + Serialize,
{
    type Value = Page<<R::Child as EntityTrait>::Model>;

    async fn load(
        &self,
        keys: &[Children<R>],
    ) -> crate::core::error::AppResult<HashMap<Children<R>, Self::Value>> {
        // Parents asking with the same arguments share one statement.
        type Group<E> = (Arc<ChildArgs<E>>, Vec<Uuid>);
        let mut groups: HashMap<&str, Group<R::Child>> = HashMap::new();
        for k in keys {
            groups
                .entry(k.args.fingerprint.as_str())
                .or_insert_with(|| (k.args.clone(), Vec::new()))
                .1
                .push(k.parent);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (args, parents) in groups.into_values() {
            let query = store::ChildQuery {
                link: R::parent_link(),
                spec: &args.spec,
                window: args.window,
                want_total: args.want_total,
                rollup: R::count_rollup(),
            };
            let span = tracing::info_span!(
                "dataloader.batch",
                otel.name = %format!("dataloader {} pages", R::Child::NODE_TYPE.name()),
                parents = parents.len(),
            );
            let mut pages = tracing::Instrument::instrument(
                store::children::<R::Child>(&self.reader(), &self.ctx, &parents, &query),
                span,
            )
            .await?;
            for parent in parents {
                // Every key gets an entry: parents without children get an empty page.
                let page = pages.remove(&parent).unwrap_or_default();
                out.insert(Children::new(parent, args.clone()), page);
            }
        }
        Ok(out)
    }
}
