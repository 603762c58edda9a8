"""The readable regression baseline: committed outcomes of a few runs, compared key by key."""
