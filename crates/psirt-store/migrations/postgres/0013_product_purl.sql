-- A product's Package URL, when it ships as a package (PostgreSQL; keep in lockstep with
-- ../sqlite/0013_product_purl.sql): advisories name its versions as <purl>@<version>.
ALTER TABLE products ADD COLUMN purl TEXT;
