from django.urls import path

from api.me import views

urlpatterns = [
    path("me", views.MeView.as_view(), name="me"),
]
