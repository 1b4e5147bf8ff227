"""The authorization panel of the encounter page and its actions (namespace ``authorizations``)."""

from django.urls import path

from finclear.authorizations import views

app_name = "authorizations"

urlpatterns = [
    path("encounters/<int:pk>/authorizations/", views.panel, name="panel"),
    path("encounters/<int:pk>/authorizations/evaluate/", views.evaluate, name="evaluate"),
    path("encounters/<int:pk>/authorizations/obtained/", views.record_obtained, name="obtained"),
    path(
        "encounters/<int:pk>/authorizations/<int:auth_pk>/request/",
        views.send_request,
        name="request",
    ),
    path(
        "encounters/<int:pk>/authorizations/<int:auth_pk>/documents/",
        views.attach_document,
        name="document",
    ),
    path(
        "encounters/<int:pk>/authorizations/<int:auth_pk>/cancel/",
        views.cancel,
        name="cancel",
    ),
]
