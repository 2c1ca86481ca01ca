"""The Xiangxi demonstration: grids, synthetic boundaries and one login per role."""
