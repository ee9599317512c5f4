from django.urls import path

from cunjing.org import import_views, people_views, views

app_name = "org"
urlpatterns = [
    path("units/", views.unit_tree, name="unit_tree"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", people_views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/move/", people_views.unit_move, name="unit_move"),
    path("units/<int:pk>/close/", people_views.unit_close, name="unit_close"),
    path("areas/", views.area_list, name="area_list"),
    path("areas/<int:pk>/", views.area_detail, name="area_detail"),
    path("areas/<int:pk>/edit/", views.area_edit, name="area_edit"),
    path("areas/<int:pk>/beats/new/", views.beat_assign, name="beat_assign"),
    path("beats/<int:pk>/end/", views.beat_end, name="beat_end"),
    path("officers/", people_views.officer_list, name="officer_list"),
    path("officers/new/", people_views.officer_new, name="officer_new"),
    path("officers/<int:pk>/", people_views.officer_detail, name="officer_detail"),
    path("officers/<int:pk>/edit/", people_views.officer_edit, name="officer_edit"),
    path("officers/<int:pk>/transfer/", people_views.officer_transfer, name="officer_transfer"),
    path("officers/<int:pk>/leave/", people_views.officer_leave, name="officer_leave"),
    path("aides/", people_views.aide_list, name="aide_list"),
    path("aides/new/", people_views.aide_new, name="aide_new"),
    path("aides/<int:pk>/", people_views.aide_detail, name="aide_detail"),
    path("aides/<int:pk>/edit/", people_views.aide_edit, name="aide_edit"),
    path("aides/<int:pk>/end/", people_views.aide_end, name="aide_end"),
    path("coverage/", views.coverage, name="coverage"),
    path("rules/", views.rules, name="rules"),
    path("import/", import_views.import_page, name="import"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
]
