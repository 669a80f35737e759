//! The graph layer: each node type's GraphQL object, generated from the vocabulary
//! (`core::vocabulary`): its own fields (the `OwnFields` of its entity, from its
//! declaration) merged with the shared [`GraphFields`]; the [`Node`] interface,
//! [`load_node`], and the GraphQL `NodeType` enumeration.

pub mod canonical;
mod fields;
mod interface;
mod tags;

pub use fields::{EdgeDirection, GraphFields, NodeId};
pub use interface::{Node, load_node};
pub use tags::{TagsChange, TagsMutation};

pub use crate::core::ids::NodeType;

/// Each row's GraphQL object: the type's own fields merged with the graph fields, built
/// from its entity's row.
macro_rules! node_objects {
    ($( $(#[$doc:meta])* $ty:ident = $module:ident ),+ $(,)?) => {
        /// Each node type's own copy of the graph fields (see `fields::graph_fields_object`),
        /// and its own fields' object.
        #[doc(hidden)]
        pub mod per_type {$(
            #[expect(missing_docs)]
            pub mod $module {
                use super::super::fields::prelude::*;
                super::super::fields::graph_fields_object!(Fields, concat!(stringify!($ty), "GraphFields"));
                pub type Own = <entity::$module::Entity as $crate::gql::declare::OwnFields>::Fields;
            }
        )+}
        $(
        $(#[$doc])*
        #[derive(async_graphql::MergedObject)]
        pub struct $ty(pub NodeId, pub per_type::$module::Own, pub per_type::$module::Fields);

        impl From<entity::$module::Model> for $ty {
            fn from(row: entity::$module::Model) -> Self {
                let node = (NodeType::$ty, row.id);
                $ty(
                    NodeId(node),
                    <entity::$module::Entity as $crate::gql::declare::OwnFields>::of(row),
                    per_type::$module::Fields(node),
                )
            }
        }

        impl crate::gql::declare::NodeObject for $ty {
            type Entity = entity::$module::Entity;
        }

        impl crate::gql::declare::EntityObject for entity::$module::Entity {
            type Object = $ty;
            const NAME: &'static str = stringify!($ty);
        }

        impl $ty {
            /// The row behind this node.
            pub fn row(&self) -> &entity::$module::Model {
                &(self.1).0
            }
        }
    )+};
}

crate::core::vocabulary::node_vocabulary!(node_objects);

/// The GraphQL enumeration of node types (the schema's `NodeType`), the kernel's
/// [`NodeType`] as clients name it.
macro_rules! node_type_graphql {
    ($( $(#[$doc:meta])* $ty:ident = $module:ident ),+ $(,)?) => {
        /// Every kind of node in the graph.
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[graphql(name = "NodeType")]
        pub enum NodeTypeEnum {
            $( $(#[$doc])* $ty, )+
        }

        impl From<NodeTypeEnum> for NodeType {
            fn from(t: NodeTypeEnum) -> NodeType {
                match t { $( NodeTypeEnum::$ty => NodeType::$ty, )+ }
            }
        }

        impl From<NodeType> for NodeTypeEnum {
            fn from(t: NodeType) -> NodeTypeEnum {
                match t { $( NodeType::$ty => NodeTypeEnum::$ty, )+ }
            }
        }
    };
}

crate::core::vocabulary::node_vocabulary!(node_type_graphql);
