"""``python -m inversa``: the same as the ``inversa`` command."""

from inversa.cli import main

main()
