"""The demo's URLs plus the baseline routes, for the benchmark only."""

from django.urls import include, path

from benchmarks import baselines

urlpatterns = [
    path("bench/customer_payment_sources", baselines.source_list),
    path("bench/external_payments", baselines.payment_create),
    path("bench/external_payments/<str:pk>", baselines.payment_detail),
    path("bench/checkout/<str:pk>/payment/", baselines.checkout_page),
    path("", include("config.urls")),
]
