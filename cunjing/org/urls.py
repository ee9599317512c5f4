from django.urls import path

from cunjing.org import import_views, views

app_name = "org"
urlpatterns = [
    path("units/", views.unit_tree, name="unit_tree"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("areas/", views.area_list, name="area_list"),
    path("areas/<int:pk>/", views.area_detail, name="area_detail"),
    path("areas/<int:pk>/edit/", views.area_edit, name="area_edit"),
    path("areas/<int:pk>/beats/new/", views.beat_assign, name="beat_assign"),
    path("beats/<int:pk>/end/", views.beat_end, name="beat_end"),
    path("coverage/", views.coverage, name="coverage"),
    path("rules/", views.rules, name="rules"),
    path("import/", import_views.import_page, name="import"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
]
