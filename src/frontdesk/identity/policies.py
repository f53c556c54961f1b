"""What a signed-in member of the public may see, by the level their sign-in reached."""

from .models import Level


def can_see_linked_records(level: str) -> bool:
    """Only an identity-verified sign-in (IAL2) reaches the person records matched to the account: at IAL1
    nothing says who is signed in, so they see only what they booked while signed in."""
    return level == Level.IAL2
