"""Adapters: the machinery the use cases lean on — request authentication and the
caller it yields, the replay cache (Redis, a memory-mapped table or the database), rate
limits, the shared Redis client, the garbage-collector pause, and the per-process member
directory and signal-state columns held beside the indexes."""
