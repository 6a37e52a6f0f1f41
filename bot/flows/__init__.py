"""Flow files (YAML) and the code that reads, checks and draws them."""
