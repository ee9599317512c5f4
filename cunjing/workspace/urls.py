from django.urls import path

from cunjing.workspace import views

app_name = "workspace"
urlpatterns = [
    path("", views.today, name="today"),
    path("add/<slug:kind>/", views.add, name="add"),
    path("follow-ups/<int:pk>/", views.follow_up, name="follow_up"),
    path("sw.js", views.service_worker, name="sw"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
