from django.urls import path

from finclear.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.FinclearLoginView.as_view(), name="login"),
    path("logout/", views.FinclearLogoutView.as_view(), name="logout"),
    path("session/", views.session_status, name="session_status"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
]
