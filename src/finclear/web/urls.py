from django.urls import path

from finclear.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
