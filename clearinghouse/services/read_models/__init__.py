"""Read models: what readers are shown, computed from the store — signal views and the
change feed, the transparency report, the site's pages, the log as its readers see it
(checkpoints, entries, proofs), readiness and operations figures, and the one byte
budget every list answer keeps to."""
