from django.urls import path

from frontdesk.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
]
