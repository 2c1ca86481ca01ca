"""Pages for people: the base layout, sign-in, the home page per role, the region browser."""
