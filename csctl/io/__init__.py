"""Reading exports into canonical tables, and writing outputs atomically."""
