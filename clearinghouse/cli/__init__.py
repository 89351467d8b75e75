"""The ``clearinghouse`` command (click): ``main`` builds the group and imports each
command only when it runs. Member commands (keygen, hash, submit, retract, feedback, match,
labels, signals, export, audit) speak to a server through the SDK; operator commands (db,
members, keys, serve, site, demo) build one ``Root`` on the machine that runs the server."""
