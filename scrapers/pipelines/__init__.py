"""Item pipelines, one concern per module. Items arrive as ``transforms.record.ArticleRecord``."""
