from django.urls import path

from finclear.intake import views

app_name = "intake"

urlpatterns = [path("", views.import_list, name="import_list")]
