"""Scrapy extensions: files a crawl run leaves beside its items."""
