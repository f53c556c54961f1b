"""The WSGI application under the current settings module (tests drive it in-process)."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
