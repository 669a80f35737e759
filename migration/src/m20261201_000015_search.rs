//! Full-text search: one search document per node (a title and a body of its text),
//! kept current by the database itself — triggers on each searchable table, on the
//! columns the document reads — with a weighted `tsvector` and a GIN index on PostgreSQL
//! and an FTS5 table (Porter stemming) on SQLite. Filled from the existing rows. Both split
//! words at every character that is not a letter or digit (`fraud-pipeline` is `fraud`
//! and `pipeline`, `model-00042` is `model` and `00042`), as the query side does.

use crate::schema_helpers::run_sql;
use sea_orm_migration::prelude::*;

/// Creates the search documents, their triggers and indexes.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000015_search"
    }
}

/// A searchable table: its node type, the columns a document reads, and the document's
/// title and body as SQL over a row `N` (`N.` is replaced by `NEW.` or a table alias).
struct Doc {
    table: &'static str,
    node_type: &'static str,
    columns: &'static [&'static str],
    title: &'static str,
    body: fn(pg: bool) -> String,
}

const DOCS: &[Doc] = &[
    Doc {
        table: "workflows",
        node_type: "Workflow",
        columns: &["name", "description"],
        title: "N.name",
        body: |_| "coalesce(N.description, '')".into(),
    },
    Doc {
        table: "datasets",
        node_type: "Dataset",
        columns: &["name", "description", "data_type", "format", "storage_uri"],
        title: "N.name",
        body: |_| {
            "coalesce(N.description, '') || ' ' || N.data_type || ' ' || coalesce(N.format, '') \
             || ' ' || coalesce(N.storage_uri, '')"
                .into()
        },
    },
    Doc {
        table: "dataset_versions",
        node_type: "DatasetVersion",
        columns: &["storage_uri", "schema", "split"],
        title: "coalesce((SELECT d.name FROM datasets d WHERE d.id = N.dataset_id), '') || ' v' || N.version",
        // Column names of the version's schema.
        body: |pg| {
            let keys = if pg {
                "coalesce((SELECT string_agg(k, ' ') FROM jsonb_object_keys(CASE WHEN jsonb_typeof(N.schema) = 'object' THEN N.schema ELSE '{}'::jsonb END) k), '')"
            } else {
                "coalesce((SELECT group_concat(key, ' ') FROM json_each(CASE WHEN json_type(N.schema) = 'object' THEN N.schema ELSE '{}' END)), '')"
            };
            format!("coalesce(N.storage_uri, '') || ' ' || coalesce(N.split, '') || ' ' || {keys}")
        },
    },
    Doc {
        table: "models",
        node_type: "Model",
        columns: &[
            "name",
            "description",
            "task",
            "framework",
            "intended_purpose",
        ],
        title: "N.name",
        body: |_| {
            "coalesce(N.description, '') || ' ' || coalesce(N.task, '') || ' ' || coalesce(N.framework, '') \
             || ' ' || coalesce(N.intended_purpose, '')"
                .into()
        },
    },
    Doc {
        table: "model_versions",
        node_type: "ModelVersion",
        columns: &["artifact_uri", "stage"],
        title: "coalesce((SELECT m.name FROM models m WHERE m.id = N.model_id), '') || ' v' || N.version",
        body: |_| "coalesce(N.artifact_uri, '') || ' ' || N.stage".into(),
    },
    Doc {
        table: "experiments",
        node_type: "Experiment",
        columns: &["name", "description", "experiment_type"],
        title: "N.name",
        body: |_| "coalesce(N.description, '') || ' ' || N.experiment_type".into(),
    },
    Doc {
        table: "training_jobs",
        node_type: "TrainingJob",
        columns: &["name", "status", "error"],
        title: "N.name",
        body: |_| "N.status || ' ' || coalesce(N.error, '')".into(),
    },
    Doc {
        table: "endpoints",
        node_type: "Endpoint",
        columns: &["name", "description", "environment", "region", "url"],
        title: "N.name",
        body: |_| {
            "coalesce(N.description, '') || ' ' || N.environment || ' ' || coalesce(N.region, '') \
             || ' ' || coalesce(N.url, '')"
                .into()
        },
    },
];

fn over(sql: &str, row: &str) -> String {
    sql.replace("N.", &format!("{row}."))
}

fn pg_up() -> Vec<String> {
    let mut out = vec![
        "CREATE TABLE search_documents (
           node_id UUID PRIMARY KEY, node_type TEXT NOT NULL, ns TEXT NOT NULL,
           title TEXT NOT NULL, body TEXT NOT NULL,
           tsv TSVECTOR GENERATED ALWAYS AS (
             setweight(to_tsvector('english', regexp_replace(title, '[^[:alnum:]]+', ' ', 'g')), 'A')
             || setweight(to_tsvector('english', regexp_replace(body, '[^[:alnum:]]+', ' ', 'g')), 'B')) STORED)"
            .to_owned(),
    ];
    for d in DOCS {
        let (title, body) = (d.title, (d.body)(true));
        out.push(format!(
            "INSERT INTO search_documents (node_id, node_type, ns, title, body)
             SELECT t.id, '{ty}', t.ns, {t}, {b} FROM {table} t",
            ty = d.node_type,
            t = over(title, "t"),
            b = over(&body, "t"),
            table = d.table,
        ));
        out.push(format!(
            "CREATE FUNCTION search_sync_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM search_documents WHERE node_id = OLD.id;
  ELSE
    INSERT INTO search_documents (node_id, node_type, ns, title, body)
    VALUES (NEW.id, '{ty}', NEW.ns, {t}, {b})
    ON CONFLICT (node_id) DO UPDATE SET ns = EXCLUDED.ns, title = EXCLUDED.title, body = EXCLUDED.body;
  END IF;
  RETURN NULL;
END $$",
            table = d.table,
            ty = d.node_type,
            t = over(title, "NEW"),
            b = over(&body, "NEW"),
        ));
        out.push(format!(
            "CREATE TRIGGER search_sync AFTER INSERT OR DELETE OR UPDATE OF ns, {cols} ON {table}
               FOR EACH ROW EXECUTE FUNCTION search_sync_{table}()",
            cols = d.columns.join(", "),
            table = d.table,
        ));
    }
    out.push("CREATE INDEX ix_search_documents_tsv ON search_documents USING GIN (tsv)".to_owned());
    out
}

fn sqlite_up() -> Vec<String> {
    let mut out = vec![
        "CREATE VIRTUAL TABLE search_fts USING fts5(
           node_type UNINDEXED, node_id UNINDEXED, ns UNINDEXED, title, body,
           tokenize = 'porter unicode61')"
            .to_owned(),
    ];
    for d in DOCS {
        let (title, body) = (d.title, (d.body)(false));
        let insert = |row: &str| {
            format!(
                "INSERT INTO search_fts (node_type, node_id, ns, title, body)
                 VALUES ('{ty}', {row}.id, {row}.ns, {t}, {b});",
                ty = d.node_type,
                t = over(title, row),
                b = over(&body, row),
            )
        };
        out.push(format!(
            "INSERT INTO search_fts (node_type, node_id, ns, title, body)
             SELECT '{ty}', t.id, t.ns, {t}, {b} FROM {table} t",
            ty = d.node_type,
            t = over(title, "t"),
            b = over(&body, "t"),
            table = d.table,
        ));
        out.push(format!(
            "CREATE TRIGGER search_ins_{table} AFTER INSERT ON {table} BEGIN {ins} END",
            table = d.table,
            ins = insert("NEW"),
        ));
        out.push(format!(
            "CREATE TRIGGER search_upd_{table} AFTER UPDATE OF ns, {cols} ON {table} BEGIN
               DELETE FROM search_fts WHERE node_id = OLD.id; {ins} END",
            cols = d.columns.join(", "),
            table = d.table,
            ins = insert("NEW"),
        ));
        out.push(format!(
            "CREATE TRIGGER search_del_{table} AFTER DELETE ON {table} BEGIN
               DELETE FROM search_fts WHERE node_id = OLD.id; END",
            table = d.table,
        ));
    }
    out
}

fn pg_down() -> Vec<String> {
    let mut out: Vec<String> = DOCS
        .iter()
        .flat_map(|d| {
            [
                format!("DROP TRIGGER IF EXISTS search_sync ON {}", d.table),
                format!("DROP FUNCTION IF EXISTS search_sync_{}()", d.table),
            ]
        })
        .collect();
    out.push("DROP TABLE IF EXISTS search_documents".to_owned());
    out
}

fn sqlite_down() -> Vec<String> {
    let mut out: Vec<String> = DOCS
        .iter()
        .flat_map(|d| {
            ["ins", "upd", "del"].map(|k| format!("DROP TRIGGER IF EXISTS search_{k}_{}", d.table))
        })
        .collect();
    out.push("DROP TABLE IF EXISTS search_fts".to_owned());
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let pg = manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres;
        let statements = if pg { pg_up() } else { sqlite_up() };
        run_sql(manager, &statements).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let pg = manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres;
        let statements = if pg { pg_down() } else { sqlite_down() };
        run_sql(manager, &statements).await
    }
}
