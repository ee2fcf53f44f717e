"""newsetl spiders: thin discovery and requests; extraction lives in scrapers/parsers."""
