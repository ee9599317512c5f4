from django.urls import path

from cunjing.accounts import import_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("two-factor/", views.two_factor_setup, name="two_factor"),
    path("users/", views.account_list, name="account_list"),
    path("users/new/", views.account_new, name="account_new"),
    path("users/<int:pk>/", views.account_detail, name="account_detail"),
    path("import/", import_views.import_page, name="import"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
]
