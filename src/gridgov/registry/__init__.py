"""The register of people, households, places and organisations (人、地、物、组织)."""
