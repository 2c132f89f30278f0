"""Success stories: the strongest positive customer stories, for the team to share."""
