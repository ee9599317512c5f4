from django.urls import path

from cunjing.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit, name="audit"),
]
