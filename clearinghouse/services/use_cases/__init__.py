"""Use cases: what a request or command asks the service for — statements (submit,
retract, feedback) and their items, lookups, members and keys, the taxonomy, the schema,
the log's write transaction, entries, check and rebuild, the log follower that keeps a
process's views current, and the transparency site's sign-in."""
