"""Pure computations over Polars frames: no file I/O, no printing, no typer/rich."""
