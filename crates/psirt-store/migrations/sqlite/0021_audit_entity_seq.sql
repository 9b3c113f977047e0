-- An entity's events in order (sqlite; keep in lockstep with the other backend's 0021): a page's latest events of one
-- kind (a product version's SBOM imports) are read newest first with a limit, by index, not by filtering the table.
DROP INDEX audit_events_entity;
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, seq);
