//! The aliases of model versions, batched: the loader behind `ModelVersion.aliases`.

use std::collections::HashMap;

use crate::core::batch::Load;
use uuid::Uuid;

use super::service;
use crate::core::loader::DbLoader;

/// Key: the aliases pointing at a model version.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct AliasesOf(pub Uuid);

impl Load<AliasesOf> for DbLoader {
    type Value = Vec<String>;

    async fn load(
        &self,
        keys: &[AliasesOf],
    ) -> crate::error::AppResult<HashMap<AliasesOf, Vec<String>>> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = service::aliases_of_versions(self.db(), self.ctx(), &ids).await?;
        let mut out: HashMap<AliasesOf, Vec<String>> = HashMap::new();
        for r in rows {
            out.entry(AliasesOf(r.model_version_id))
                .or_default()
                .push(r.alias);
        }
        for v in out.values_mut() {
            v.sort();
        }
        Ok(out)
    }
}
