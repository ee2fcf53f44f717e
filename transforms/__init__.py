"""The ground layer: the article record, the seed format, HTML-to-blocks, normalisation, validation.

Nothing here imports ``scrapers``, ``warehouse``, ``dags`` or the CLI; they all import from here.
"""
