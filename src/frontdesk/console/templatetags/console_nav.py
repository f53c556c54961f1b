"""The console's header menu, shown by role (navigation.py) with a sign-out button."""

from typing import Any

from django import template
from django.template.context import Context

from frontdesk.accounts.mfa import mfa_satisfied

from ..navigation import sections_for

register = template.Library()

MENU = (
    "console:schedule",
    "console:queue",
    "console:book",
    "console:office",
    "console:privacy-requests",
    "console:audit",
    "console:staff",
)


@register.inclusion_tag("console/menu.html", takes_context=True)
def console_menu(context: Context) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    links = []
    if mfa_satisfied(user):
        links = [link for _title, group in sections_for(user) for link in group if link.url_name in MENU]
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {"links": links, "user": user, "signed_in": mfa_satisfied(user), "current": current}
