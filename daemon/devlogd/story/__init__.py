"""journal -> post: the material a narrator writes from (material, chapters), the request
a model is sent (prompt), the narrators themselves (narrators/), and the storytelling rules
as code (checker, style). Pure code: no git, no sockets; only narrators/claude talks to a
network.
"""
