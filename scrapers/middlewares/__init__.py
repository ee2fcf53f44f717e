"""Downloader middlewares: the raw WARC archive and retries with backoff."""
