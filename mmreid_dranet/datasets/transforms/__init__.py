# Filled in by the part that owns this folder.
