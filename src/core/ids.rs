//! Opaque global ids (Relay): `base64url("Type:uuid")`.

use async_graphql::{Enum, ID};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Every kind of node in the graph.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeType {
    /// A pipeline definition.
    Workflow,
    /// A logical dataset.
    Dataset,
    /// An immutable dataset version.
    DatasetVersion,
    /// A logical model.
    Model,
    /// A model version.
    ModelVersion,
    /// An experiment.
    Experiment,
    /// A training job.
    TrainingJob,
    /// A run of a training job.
    ExperimentRun,
    /// A serving endpoint.
    Endpoint,
    /// A model version deployed to an endpoint.
    Deployment,
    /// An inference record.
    Prediction,
    /// A pattern-recognition batch job.
    PatternRecognitionJob,
    /// A Cloud Run service.
    CloudRunService,
    /// A revision of a Cloud Run service.
    ServiceDeployment,
    /// An explicit typed edge.
    Edge,
    /// An entry of the event log.
    Event,
}

impl NodeType {
    /// The name used inside global ids and the event log.
    pub fn name(self) -> &'static str {
        match self {
            NodeType::Workflow => "Workflow",
            NodeType::Dataset => "Dataset",
            NodeType::DatasetVersion => "DatasetVersion",
            NodeType::Model => "Model",
            NodeType::ModelVersion => "ModelVersion",
            NodeType::Experiment => "Experiment",
            NodeType::TrainingJob => "TrainingJob",
            NodeType::ExperimentRun => "ExperimentRun",
            NodeType::Endpoint => "Endpoint",
            NodeType::Deployment => "Deployment",
            NodeType::Prediction => "Prediction",
            NodeType::PatternRecognitionJob => "PatternRecognitionJob",
            NodeType::CloudRunService => "CloudRunService",
            NodeType::ServiceDeployment => "ServiceDeployment",
            NodeType::Edge => "Edge",
            NodeType::Event => "Event",
        }
    }

    /// Inverse of [`NodeType::name`].
    pub fn from_name(name: &str) -> Option<NodeType> {
        ALL.iter().copied().find(|t| t.name() == name)
    }
}

const ALL: [NodeType; 16] = [
    NodeType::Workflow,
    NodeType::Dataset,
    NodeType::DatasetVersion,
    NodeType::Model,
    NodeType::ModelVersion,
    NodeType::Experiment,
    NodeType::TrainingJob,
    NodeType::ExperimentRun,
    NodeType::Endpoint,
    NodeType::Deployment,
    NodeType::Prediction,
    NodeType::PatternRecognitionJob,
    NodeType::CloudRunService,
    NodeType::ServiceDeployment,
    NodeType::Edge,
    NodeType::Event,
];

/// Encodes a global id.
pub fn encode(ty: NodeType, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", ty.name(), id)))
}

/// Decodes any global id into its type and UUID.
pub fn decode(id: &str) -> Option<(NodeType, Uuid)> {
    let raw = URL_SAFE_NO_PAD.decode(id.as_bytes()).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let (ty, uuid) = text.split_once(':')?;
    Some((NodeType::from_name(ty)?, Uuid::parse_str(uuid).ok()?))
}

/// Decodes a global id of any type; `field` names the argument for errors.
pub fn decode_any(id: &ID, field: &str) -> AppResult<(NodeType, Uuid)> {
    decode(id).ok_or_else(|| AppError::bad_input(field, "not a valid id"))
}

/// Decodes a global id that must be of type `ty`; `field` names the argument for errors.
pub fn decode_as(id: &ID, ty: NodeType, field: &str) -> AppResult<Uuid> {
    match decode(id) {
        Some((t, uuid)) if t == ty => Ok(uuid),
        Some((t, _)) => Err(AppError::bad_input(
            field,
            format!("expected a {} id, got a {} id", ty.name(), t.name()),
        )),
        None => Err(AppError::bad_input(field, "not a valid id")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let u = Uuid::now_v7();
        for t in ALL {
            let id = encode(t, u);
            assert_eq!(decode(&id), Some((t, u)));
        }
        assert_eq!(decode("not-base64!"), None);
        assert!(decode_as(&encode(NodeType::Model, u), NodeType::Dataset, "id").is_err());
    }
}
