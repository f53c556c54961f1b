from django.urls import include, path

from frontdesk.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("ledger/", include("frontdesk.ledger.urls")),
]
