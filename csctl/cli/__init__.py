"""The Typer layer: argument parsing, errors to exit codes, and handing Results to renderers."""
