"""Backups: a consistent copy of the database while the app runs, and a restore into an empty one.

No blueprint: `flask crm backup PATH` and `flask crm restore PATH` (crm/cli.py) call
`services`. SQLite is copied through its online backup API (never `cp` of a live file);
PostgreSQL through `pg_dump --format=custom` and `pg_restore`, which must be installed in a
version at least as new as the server.
"""
