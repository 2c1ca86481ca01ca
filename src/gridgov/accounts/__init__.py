"""Users, departments, role assignments with a scope, API tokens and the audit log."""
