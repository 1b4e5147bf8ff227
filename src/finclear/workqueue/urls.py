"""The worklist and the workspace, mounted at ``/worklist/`` in the ``workqueue`` namespace."""

from django.urls import path

from finclear.workqueue import views

app_name = "workqueue"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("next/", views.claim_next, name="claim_next"),
    path("bulk/", views.bulk, name="bulk"),
    path("views/", views.save_view, name="save_view"),
    path("views/<int:pk>/delete/", views.delete_view, name="delete_view"),
    path("cases/<int:pk>/", views.workspace, name="workspace"),
    path("cases/<int:pk>/status/", views.case_status, name="case_status"),
    path("cases/<int:pk>/claim/", views.claim, name="claim"),
    path("cases/<int:pk>/release/", views.release, name="release"),
    path("cases/<int:pk>/reassign/", views.reassign, name="reassign"),
    path("cases/<int:pk>/override/", views.override, name="override"),
    path("cases/<int:pk>/override/lift/", views.lift_override, name="lift_override"),
    path("cases/<int:pk>/notes/", views.add_note, name="add_note"),
    path("cases/<int:pk>/counseling/", views.record_counseling, name="counseling"),
]
