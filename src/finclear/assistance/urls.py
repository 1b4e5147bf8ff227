"""The counseling section of the encounter page and its actions (namespace ``assistance``)."""

from django.urls import path

from finclear.assistance import views

app_name = "assistance"
base = "encounters/<int:pk>/counseling/"

urlpatterns = [
    path(base, views.panel, name="panel"),
    path(f"{base}apply/", views.apply, name="apply"),
    path(f"{base}applications/<int:app_pk>/documents/", views.add_document, name="document"),
    path(f"{base}applications/<int:app_pk>/decision/", views.decide, name="decide"),
    path(f"{base}plans/", views.create_plan, name="create_plan"),
    path(f"{base}plans/<int:plan_pk>/payments/", views.plan_payment, name="plan_payment"),
    path(f"{base}plans/<int:plan_pk>/agreement/", views.agreement, name="agreement"),
    path(f"{base}payments/", views.pos_payment, name="pos_payment"),
    path(f"{base}payments/<int:payment_pk>/receipt/", views.receipt, name="receipt"),
]
