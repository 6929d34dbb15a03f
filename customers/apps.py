from django.apps import AppConfig


class CustomersConfig(AppConfig):
    """The customer page: one customer's profile, transactions, alerts, cases, refunds, smishing reports
    and counterparties. It owns no tables; it reads through the selectors of the apps below it."""

    name = "customers"
    verbose_name = "Customer page"
