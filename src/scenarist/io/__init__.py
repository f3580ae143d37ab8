"""Readers and writers: our YAML model format, ScenarioWizard files, CSV/XLSX matrices."""
