//! The Relay `Node` interface, generated from the vocabulary.
//!
//! Written by hand rather than with `#[derive(Interface)]`: the derive would need every
//! interface field repeated on every object as an inherent method. Here the interface
//! declares `id` and the shared graph fields by reading [`NodeId`]'s and [`GraphFields`]'
//! own definitions, and resolving a field of a node is resolving it on the node's object.

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::Field;
use async_graphql::registry::{MetaField, MetaType, MetaTypeId, Registry};
use async_graphql::resolver_utils::{ContainerType, Fields, resolve_container};
use async_graphql::{
    Context, ContextSelectionSet, InterfaceType, OutputType, Positioned, Result, ServerResult,
    Value,
};
use uuid::Uuid;

use super::{GraphFields, NodeId, NodeType};
use crate::gql::api::load_ref;

macro_rules! node_interface {
    ($( $(#[$doc:meta])* $ty:ident = $module:ident ),+ $(,)?) => {
        /// Anything with a global id, resolvable through `node(id:)`; every node also has
        /// its lineage (`upstream`, `downstream`), its explicit `edges` and its `history`.
        pub enum Node {
            $( $(#[$doc])* $ty(super::$ty), )+
        }

        impl Node {
            fn object(&self) -> &(dyn ObjectRef + '_) {
                match self {
                    $( Node::$ty(o) => o, )+
                }
            }

            /// A field selected on the interface itself is the member object's field.
            async fn resolve_member_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
                match self {
                    $( Node::$ty(o) => o.resolve_field(ctx).await, )+
                }
            }
        }

        /// Loads any node by type and id (batched with other loads of the same type);
        /// `None` when it does not exist or is outside the caller's scope.
        pub async fn load_node(ctx: &Context<'_>, ty: NodeType, id: Uuid) -> Result<Option<Node>> {
            Ok(match ty {
                $( NodeType::$ty => load_ref::<entity::$module::Entity, _>(ctx, Some(id), |row| {
                    Node::$ty(super::$ty::from(row))
                })
                .await?, )+
            })
        }

        fn register_members(registry: &mut Registry) -> Vec<String> {
            let mut names = Vec::new();
            $(
                <super::$ty as OutputType>::create_type_info(registry);
                let name = <super::$ty as OutputType>::type_name().into_owned();
                registry.add_implements(&name, "Node");
                names.push(name);
            )+
            names
        }
    };
}

crate::core::vocabulary::node_vocabulary!(node_interface);

/// What the interface needs of each member object, object-safe so that dispatch is one
/// `match` above.
trait ObjectRef: Send + Sync {
    fn type_name(&self) -> Cow<'static, str>;
    fn collect<'a>(
        &'a self,
        ctx: &ContextSelectionSet<'a>,
        fields: &mut Fields<'a>,
    ) -> ServerResult<()>;
}

impl<T: ContainerType + OutputType + Send + Sync> ObjectRef for T {
    fn type_name(&self) -> Cow<'static, str> {
        <T as OutputType>::type_name()
    }
    fn collect<'a>(
        &'a self,
        ctx: &ContextSelectionSet<'a>,
        fields: &mut Fields<'a>,
    ) -> ServerResult<()> {
        ContainerType::collect_all_fields(self, ctx, fields)
    }
}

impl ContainerType for Node {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        self.resolve_member_field(ctx).await
    }

    fn collect_all_fields<'a>(
        &'a self,
        ctx: &ContextSelectionSet<'a>,
        fields: &mut Fields<'a>,
    ) -> ServerResult<()> {
        self.object().collect(ctx, fields)
    }
}

impl OutputType for Node {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed("Node")
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.object().type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        registry.create_output_type::<Self, _>(MetaTypeId::Interface, |registry| {
            let possible_types = register_members(registry).into_iter().collect();
            let mut fields = object_fields::<NodeId>(registry);
            fields.extend(object_fields::<GraphFields>(registry));
            MetaType::Interface {
                name: "Node".to_owned(),
                description: Some(
                    "Anything with a global id, resolvable through `node(id:)`; every node also \
                     has its lineage (`upstream`, `downstream`), its explicit `edges` and its \
                     `history`."
                        .to_owned(),
                ),
                fields,
                possible_types,
                extends: false,
                keys: None,
                visible: None,
                inaccessible: false,
                tags: Vec::new(),
                rust_typename: Some(std::any::type_name::<Self>()),
                directive_invocations: Vec::new(),
                requires_scopes: Vec::new(),
            }
        })
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl InterfaceType for Node {}

/// The field definitions of an object type, as its own `#[Object]` declares them.
fn object_fields<T: OutputType>(registry: &mut Registry) -> IndexMap<String, MetaField> {
    match registry.create_fake_output_type::<T>() {
        MetaType::Object { fields, .. } => fields,
        _ => IndexMap::new(),
    }
}
