"""The live console of the local flow at /_console: dev-only, served beside the API, never shipped to Lambda."""
