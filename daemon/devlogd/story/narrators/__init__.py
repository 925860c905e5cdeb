"""Who writes the post: Claude (claude), or the deterministic offline storyteller (offline)."""
