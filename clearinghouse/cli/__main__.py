"""``python -m clearinghouse.cli`` runs the command line."""

from clearinghouse.cli.main import main

main()
