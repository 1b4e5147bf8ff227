from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("finclear.api.urls")),
    path("imports/", include("finclear.intake.urls")),
    path("eligibility/", include("finclear.eligibility.urls")),
    path("", include("finclear.authorizations.urls")),
    path("", include("finclear.estimates.urls")),
    path("", include("finclear.assistance.urls")),
    path("worklist/", include("finclear.workqueue.urls")),
    path("reports/", include("finclear.reports.urls")),
    path("", include("finclear.web.urls")),
]
