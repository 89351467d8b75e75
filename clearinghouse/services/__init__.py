"""The use cases: statements (submit, retract, feedback), matching with its per-process
index set and log follower, members and keys, the log (entries, writes, transparency
answers, check and rebuild), signal views, request authentication, rate limits, the
transparency site's pages and sessions. Each takes the parts it uses (a database, the log
key, the registry…); ``bootstrap.py`` builds them. No Flask here."""
