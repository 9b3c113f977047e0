-- Inventory: products, product versions and their SBOM components (SQLite). Keep in lockstep
-- with ../postgres/0003_inventory.sql.

CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    vendor TEXT NOT NULL,
    cpe TEXT,
    owner_team TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- "Acme Router" and "acme router" are the same product.
CREATE UNIQUE INDEX products_vendor_name ON products (LOWER(vendor), LOWER(name));

CREATE TABLE product_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id INTEGER NOT NULL REFERENCES products (id),
    version TEXT NOT NULL,
    released_on TEXT,
    support_ends_on TEXT,
    -- The SBOM last imported for this version (NULL until one is).
    sbom_format TEXT,
    sbom_spec_version TEXT,
    sbom_sha256 TEXT,
    sbom_imported_at TEXT,
    component_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (product_id, version)
);

-- One row per (product version, component key): the key is the normalised purl, or for a
-- component without one a synthetic key (see psirt-formats).
CREATE TABLE components (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_version_id INTEGER NOT NULL REFERENCES product_versions (id),
    component_key TEXT NOT NULL,
    purl TEXT,
    name TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '',
    cpe TEXT,
    hashes TEXT NOT NULL DEFAULT '[]',
    licenses TEXT NOT NULL DEFAULT '[]',
    UNIQUE (product_version_id, component_key)
);
CREATE INDEX components_purl ON components (purl);

CREATE TABLE component_dependencies (
    product_version_id INTEGER NOT NULL REFERENCES product_versions (id),
    from_key TEXT NOT NULL,
    to_key TEXT NOT NULL,
    PRIMARY KEY (product_version_id, from_key, to_key)
);
