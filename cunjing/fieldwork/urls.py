from django.urls import path

from cunjing.fieldwork import views

app_name = "fieldwork"

urlpatterns = [
    path("", views.records_home, name="home"),
    path("records/<slug:kind>/", views.record_list, name="record_list"),
    path("records/<slug:kind>/new/", views.record_new, name="record_new"),
    path("records/<slug:kind>/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<slug:kind>/<int:pk>/correct/", views.record_correct, name="record_correct"),
    path("records/<slug:kind>/<int:pk>/void/", views.record_void, name="record_void"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/<int:pk>/", views.correction_detail, name="correction_detail"),
    path("worklog/", views.worklog_mine, name="worklog_mine"),
    path("worklogs/", views.worklog_list, name="worklog_list"),
    path("worklogs/<int:pk>/", views.worklog_detail, name="worklog_detail"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/write/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow_up_detail"),
    path("supervise/<slug:target>/<int:pk>/", views.supervise, name="supervise"),
]
