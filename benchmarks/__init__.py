"""``make bench``: the wallet's responses timed against hand-written baselines in one process."""
