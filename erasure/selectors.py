from accounts.models import User
from erasure.models import AccountDeletion


def pending_deletion_of(*, user: User) -> AccountDeletion | None:
    """The user's deletion waiting for its grace period to end, if any."""
    if not user.is_authenticated:
        return None
    return AccountDeletion.objects.pending().filter(user=user).first()
