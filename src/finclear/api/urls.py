"""Mounts each domain's router on the API and exposes its URLs (``/api/`` in app.urls)."""

from django.urls import path

from finclear.api.api import api
from finclear.eligibility.api import router as eligibility_router

api.add_router("/eligibility/", eligibility_router)
api.add_router("/authorizations/", "finclear.api.authorizations.router")
api.add_router("/workqueue/", "finclear.api.workqueue.router")
api.add_router("/intake/", "finclear.api.intake.router")
api.add_router("/estimates/", "finclear.api.estimates.router")
api.add_router("/assistance/", "finclear.api.assistance.router")

urlpatterns = [path("", api.urls)]
