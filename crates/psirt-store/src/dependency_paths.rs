//! How each component got into its product version: the shortest chain of stored SBOM dependency edges from a direct
//! dependency of the product down to it (`psirt_domain::dependency_path`), one query per level of the search.

use std::collections::BTreeMap;

use psirt_domain::dependency_path::PathSearch;

use crate::{Result, Store};

/// Keys per `IN` list.
const CHUNK: usize = 500;

impl Store {
    /// For each of these components of the version (by id), its dependency path: component keys from one of the
    /// product's direct dependencies down to the component itself. Absent for a component the SBOM's edges do not
    /// connect to the product (no dependency data, or only edges among components).
    pub async fn dependency_paths(
        &self,
        product_version_id: i64,
        component_ids: &[i64],
    ) -> Result<BTreeMap<i64, Vec<String>>> {
        // Without an edge from the product (an SBOM naming no subject, or none of its dependencies) no component
        // has a path: not searched, which would walk every ancestor of every component for nothing.
        let from_product: Option<i64> = with_pool!(self, p => {
            sqlx::query_scalar(
                "SELECT product_version_id FROM component_dependencies WHERE product_version_id = $1 AND from_key = '' LIMIT 1",
            )
            .bind(product_version_id)
            .fetch_optional(p)
            .await?
        });
        if component_ids.is_empty() || from_product.is_none() {
            return Ok(BTreeMap::new());
        }
        let mut keys: Vec<(i64, String)> = Vec::new();
        for chunk in component_ids.chunks(CHUNK) {
            // Integers only in the list.
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let rows: Vec<(i64, String)> = with_pool!(self, p => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT id, component_key FROM components WHERE product_version_id = $1 AND id IN ({list})"
                )))
                .bind(product_version_id)
                .fetch_all(p)
                .await?
            });
            keys.extend(rows);
        }
        let mut search = PathSearch::new(keys.iter().map(|(_, k)| k.as_str()));
        while let Some(wanted) = search.wanted() {
            let mut edges: Vec<(String, String)> = Vec::new();
            for chunk in wanted.chunks(CHUNK) {
                let rows: Vec<(String, String)> = with_pool!(self, p => {
                    let mut q = sqlx::QueryBuilder::new(
                        "SELECT from_key, to_key FROM component_dependencies WHERE product_version_id = ",
                    );
                    q.push_bind(product_version_id);
                    q.push(" AND to_key IN (");
                    let mut list = q.separated(", ");
                    for key in chunk {
                        list.push_bind(key.as_str());
                    }
                    q.push(")");
                    q.build_query_as().fetch_all(p).await?
                });
                edges.extend(rows);
            }
            search.feed(&wanted, edges);
        }
        let paths = search.paths();
        Ok(keys
            .into_iter()
            .filter_map(|(id, key)| paths.get(&key).map(|p| (id, p.clone())))
            .collect())
    }
}
