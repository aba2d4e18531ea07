"""Config and rule files: pydantic models, YAML loading with file:line in every error."""
