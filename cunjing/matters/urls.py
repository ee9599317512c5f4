from django.urls import path

from cunjing.matters import views

app_name = "matters"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.new, name="new"),
    path("sla/", views.sla, name="sla"),
    path("counts/", views.counts, name="counts"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reveal-phone/", views.reveal_phone, name="reveal_phone"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
