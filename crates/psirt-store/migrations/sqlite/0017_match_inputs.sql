-- The generation of what matching reads (sqlite; keep in lockstep with ../postgres/0017_match_inputs.sql): every
-- transaction that changes intel records or a product version's components adds one, under this row's lock, so
-- the numbers follow the commit order. A server's engine refreshes only its own import's changes when the number
-- moved by exactly its own transactions; anything else (a CLI import, another server) makes it reload.
CREATE TABLE match_inputs (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO match_inputs (id, generation) VALUES (1, 0);
