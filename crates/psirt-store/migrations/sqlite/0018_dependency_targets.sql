-- Dependency edges looked up by their target (sqlite; keep in lockstep with the other backend's 0018): "which
-- components pull in this one?" (the primary key serves the other direction).
CREATE INDEX component_dependencies_to ON component_dependencies (product_version_id, to_key);
