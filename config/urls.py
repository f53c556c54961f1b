from django.conf.urls.i18n import i18n_patterns
from django.urls import URLPattern, URLResolver, include, path

from frontdesk.api.urls import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("ledger/", include("frontdesk.transparency_log.urls")),
    path("console/", include("frontdesk.console.urls")),
]
# The public site: English at /, Spanish at /es/ (the language switcher links between the two).
urlpatterns += i18n_patterns(path("", include("frontdesk.public.urls")), prefix_default_language=False)

# When no view answers: JSON under /api/ and /ledger/, the site's own pages elsewhere (config/errors.py).
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
