"""The demo served by `make run`: plain HTTP on localhost, SQLite unless DATABASE_URL says otherwise.

It runs like production in what a visitor sees: DEBUG is off, so errors get the site's own pages and the
API's JSON, never Django's debug pages (which list every URL pattern and show tracebacks). A developer
who wants the debug pages asks for them with DJANGO_DEBUG=1 (read in base.py).
"""

from .base import *  # noqa: F403

FRONTDESK_DEMO = True  # `frontdesk mfa_code` prints a staff member's current sign-in code
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Static files (USWDS from node_modules, the apps' own) are served by whitenoise straight from the
# finders, DEBUG or not, so the demo needs no collectstatic step. It indexes them once at start-up;
# with DEBUG on it looks again on every request so that edits show at once.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG  # noqa: F405
if STATIC_ROOT is not None:  # noqa: F405  (set by the base settings; only the test settings clear it)
    STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405
