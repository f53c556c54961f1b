"""Disclosure endpoints under /api/v1/disclosures/: the staff's (staff.py) and the public's (public.py).

Schemas check shape only (schemas.py); the services in frontdesk.disclosures decide everything else, and
present.py turns their answers into JSON.
"""

from ninja import Router

from .public import router as public_router
from .staff import router as staff_router

router = Router()
router.add_router("", staff_router)
router.add_router("", public_router)

__all__ = ["router"]
