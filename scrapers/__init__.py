"""Fetching: discovery, Scrapy spiders, the raw WARC archive and offline replay."""
