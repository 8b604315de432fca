"""Running studies: the scenario contract, sweeps over parameter grids, result stores."""
