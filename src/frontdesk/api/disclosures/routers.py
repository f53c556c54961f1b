"""The router the disclosure endpoints register on."""

from typing import Any

from frontdesk.api.tokens import StaffRouter

# Operation ids are what API token scopes (api/tokens.py OPERATION_SCOPES), the ledger's record of each
# token call and clients' generated code know an operation by. django-ninja derives them from the view's
# module, so they keep the name of the module the endpoints were first published from.
OPERATION_ID_PREFIX = "frontdesk_api_disclosures_"


class DisclosuresRouter(StaffRouter):
    """A staff router whose operation ids are `frontdesk_api_disclosures_<view name>`, whichever module of
    this package the view lives in."""

    def add_api_operation(self, path: str, methods: list[str], view_func: Any, **kw: Any) -> None:
        if not kw.get("operation_id"):
            kw["operation_id"] = OPERATION_ID_PREFIX + view_func.__name__
        super().add_api_operation(path, methods, view_func, **kw)
