"""The service layer, in three rooms that say what each file is:

- ``use_cases/``: what a request or command asks for — statements (submit, retract,
  feedback), matching, members and keys, the taxonomy, the schema, the log's writes,
  check and rebuild, the log follower, site sign-in;
- ``read_models/``: what readers are shown — signal views and the change feed, the
  transparency report, the site's pages, the log's checkpoints and proofs, health and
  operations figures;
- ``adapters/``: the machinery beside them — request authentication and the caller,
  the replay cache (Redis or a mapped table), rate limits, the shared Redis, the GC
  pause, the per-process member directory and signal-state columns.

Use cases may use read models and adapters; read models may use adapters; adapters use
neither. Each takes the parts it uses (a database, the log key, the registry…);
``bootstrap.py`` builds them. No Flask here."""
