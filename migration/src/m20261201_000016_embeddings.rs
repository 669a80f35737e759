//! `embeddings`: vectors of nodes, one per node and embedding model. On PostgreSQL with
//! pgvector the column is a `vector` (HNSW indexes are made per model by the server, with
//! that model's dimension); without pgvector, and on SQLite, the vector is kept as JSON
//! and similarity is computed exactly in the server.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

/// Creates `embeddings`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000016_embeddings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let column = if manager.get_database_backend() == DbBackend::Postgres {
            let available = db
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT 1 AS one FROM pg_available_extensions WHERE name = 'vector'",
                ))
                .await?
                .is_some();
            if available {
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS vector")
                    .await?;
                "vector"
            } else {
                "JSONB"
            }
        } else {
            "TEXT"
        };
        let now = if manager.get_database_backend() == DbBackend::Postgres {
            "TIMESTAMPTZ NOT NULL DEFAULT now()"
        } else {
            "TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP"
        };
        db.execute_unprepared(&format!(
            "CREATE TABLE embeddings (
               node_id UUID NOT NULL, model TEXT NOT NULL, node_type TEXT NOT NULL, ns TEXT NOT NULL,
               dimension INTEGER NOT NULL CHECK (dimension BETWEEN 1 AND 4096),
               embedding {column} NOT NULL, updated_at {now},
               PRIMARY KEY (node_id, model))"
        ))
        .await?;
        db.execute_unprepared("CREATE INDEX ix_embeddings_model ON embeddings (model, ns)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE IF EXISTS embeddings")
            .await?;
        Ok(())
    }
}
