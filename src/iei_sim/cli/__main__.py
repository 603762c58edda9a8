"""``python -m iei_sim.cli``: the same as the ``iei-sim`` command."""

from iei_sim.cli import main

if __name__ == "__main__":
    main()
