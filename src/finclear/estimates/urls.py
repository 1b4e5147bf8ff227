"""The estimate section of the encounter page and its actions (namespace ``estimates``)."""

from django.urls import path

from finclear.estimates import views, workspace

app_name = "estimates"

urlpatterns = [
    path("encounters/<int:pk>/estimate/", views.panel, name="panel"),
    path("encounters/<int:pk>/estimate/create/", views.create, name="create"),
    path("encounters/<int:pk>/estimate/gfe-request/", views.request_gfe, name="request_gfe"),
    path("encounters/<int:pk>/estimate/<int:estimate_pk>/deliver/", views.deliver, name="deliver"),
    path(
        "encounters/<int:pk>/estimate/<int:estimate_pk>/document/",
        views.document,
        name="document",
    ),
    path("encounters/<int:pk>/estimate/workspace/", workspace.card, name="workspace_card"),
    path(
        "encounters/<int:pk>/estimate/workspace/recalculate/",
        workspace.recalculate,
        name="workspace_recalculate",
    ),
]
