-- A product's Package URL, when it ships as a package (SQLite; keep in lockstep with
-- ../postgres/0013_product_purl.sql): advisories name its versions as <purl>@<version>.
ALTER TABLE products ADD COLUMN purl TEXT;
