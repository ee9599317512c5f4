from django.urls import path

from cunjing.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.results, name="results"),
]
