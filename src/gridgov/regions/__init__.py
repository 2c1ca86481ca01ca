"""The division tree from the prefecture down to grids, its geometry and point → grid lookup."""
