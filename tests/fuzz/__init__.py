"""The fuzz suite: bad input for every option of every command (issue 8, item 4).

``python -m tests.fuzz`` (``make fuzz``) runs the full corpus and prints the outcome table;
``test_fuzz.py`` runs a seeded sample within ``make test``.  See :mod:`.corpus` for what
is generated and :mod:`.runner` for what each case must do.
"""
