"""What the register tells the rest of the system: `household_changed` is sent, inside the
action's transaction, when something that decides how a household is looked after changed —
a member's tag added or ended, someone moving in or out, the household's grid or housing
rating. Visit plans listen (so the plan is right at once, not after the nightly refresh);
the register itself knows nothing of who listens."""

from django.dispatch import Signal

# Sent with `households`: the household records (or primary keys) concerned.
household_changed = Signal()
