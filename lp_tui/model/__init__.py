"""The request model: draft, field table, builder, validator, presets. No Textual, no HTTP."""
