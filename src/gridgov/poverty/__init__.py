"""Poverty-relapse monitoring (防返贫动态监测): households at risk, income, checklist, help."""
