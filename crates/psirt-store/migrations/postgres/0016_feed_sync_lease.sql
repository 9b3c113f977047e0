-- Feed sync lease (postgres; keep in lockstep with ../sqlite/0016_feed_sync_lease.sql): a sync claims its feed until
-- this time, so the worker of another server (or a manual sync) does not download and import the same feed at the
-- same time. Cleared when the attempt is recorded; a sync that died keeps it until it runs out.
ALTER TABLE feed_sources ADD COLUMN sync_lease_until TIMESTAMPTZ;
