from django.urls import path

from cunjing.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.search, name="search"),
    path("addresses/new/", views.address_new, name="address_new"),
    path("addresses/<int:pk>/", views.address_detail, name="address_detail"),
    path("addresses/<int:pk>/edit/", views.address_edit, name="address_edit"),
    path("addresses/<int:pk>/dwellings/new/", views.dwelling_new, name="dwelling_new"),
    path(
        "addresses/<int:pk>/establishments/new/",
        views.establishment_new,
        name="establishment_new",
    ),
    path("dwellings/<int:pk>/edit/", views.dwelling_edit, name="dwelling_edit"),
    path("dwellings/<int:pk>/residents/new/", views.resident_new, name="resident_new"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("establishments/<int:pk>/edit/", views.establishment_edit, name="establishment_edit"),
]
