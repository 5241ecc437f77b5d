"""Every benchmark of `kg bench`, each figure beside a baseline measured in the same run."""
