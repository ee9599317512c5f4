from django.urls import path

from cunjing.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("areas/<int:pk>/", views.card, name="card"),
    path("submit/", views.submit, name="submit"),
    path("track/", views.track, name="track"),
    path("track/<slug:action>/", views.act, name="act"),
]
