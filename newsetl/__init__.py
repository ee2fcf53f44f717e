"""newsetl's command-line interface: thin wiring over scrapers/, transforms/ and warehouse/."""
