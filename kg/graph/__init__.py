"""The graph itself: what its nodes and relationships are, their ids, and how two sightings merge."""
