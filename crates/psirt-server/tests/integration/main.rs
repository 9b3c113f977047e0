//! Integration tests for psirt-server: each runs on SQLite and PostgreSQL.
