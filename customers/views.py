"""The customer page: everything the bank knows about one customer, on one screen."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from alerts import selectors as alert_selectors
from alerts.forms import TransactionSearchForm
from alerts.selectors import TransactionFilters
from cases.selectors import customer_cases, customer_refunds
from customers import charts
from smishing.selectors import indicator_report_counts, submissions_naming_accounts


@login_required
@permission_required("alerts.view_customer", raise_exception=True)
@require_GET
def customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Profile, filtered transactions with charts, alerts, cases, refunds, smishing reports naming the
    customer's accounts, and the counterparties the customer pays. Read only.

    The transaction filters narrow the list, the totals and the charts alike. Invalid filters are
    reported on the page (400) and the rest of the page still shows.
    """
    customer = alert_selectors.customer_profile(customer_id=customer_id)
    if customer is None:
        raise Http404("no such customer")
    user = request.user
    form = TransactionSearchForm(request.GET, fixed_customer_id=customer.pk)
    valid = form.is_valid()
    accounts = alert_selectors.customer_accounts(customer_id=customer.pk)
    context: dict = {
        "customer": customer,
        "age": customer.age_on(timezone.now().astimezone(charts.KST).date()),
        "accounts": accounts,
        "form": form,
        "valid": valid,
        "alerts": alert_selectors.customer_alerts(customer_id=customer.pk),
        "alert_counts": alert_selectors.customer_alert_counts(customer_id=customer.pk),
        "merchants": alert_selectors.customer_merchants_paid(customer_id=customer.pk),
    }
    beneficiaries = alert_selectors.customer_beneficiaries_paid(customer_id=customer.pk)
    reported = indicator_report_counts(
        accounts=[b["beneficiary_account"] for b in beneficiaries if b["beneficiary_account"]],
        phones=[b["beneficiary_phone"] for b in beneficiaries if b["beneficiary_phone"]],
    )
    for row in beneficiaries:
        number = row["beneficiary_account"] or row["beneficiary_phone"]
        row["reports"] = reported.get("".join(ch for ch in number if ch.isdigit()), 0)
    context["beneficiaries"] = beneficiaries
    if user.has_perm("cases.view_case"):
        context["cases"] = customer_cases(customer_id=customer.pk)
    if user.has_perm("cases.view_refundrequest"):
        context["refunds"] = customer_refunds(customer_id=customer.pk)
    # A masked number (110-***-567890) is not a number a report could name; a full one is.
    numbers = [a.external_id for a in accounts] + [
        a.masked_number for a in accounts if a.masked_number and "*" not in a.masked_number
    ]
    context["smishing_reports"] = submissions_naming_accounts(user=user, accounts=numbers)
    all_days = alert_selectors.customer_amounts_by_day(filters=TransactionFilters(customer_id=customer.pk))
    context["totals"] = alert_selectors.transaction_totals(all_days)
    if valid:
        filters = form.filters()
        page = alert_selectors.transactions_search(
            filters=filters,
            older_than=form.cleaned_data.get("older"),
            newer_than=form.cleaned_data.get("newer"),
        )
        days = alert_selectors.customer_amounts_by_day(filters=filters) if form.has_filters() else all_days
        context.update(
            page=page,
            paged=bool(form.cleaned_data.get("older") or form.cleaned_data.get("newer")),
            older_query=form.page_query(older=page.older) if page.older else "",
            newer_query=form.page_query(newer=page.newer) if page.newer else "",
            filtered_totals=alert_selectors.transaction_totals(days),
            time_figure=charts.amounts_over_time(
                days, alert_selectors.customer_alerted_points(filters=filters)
            )
            if days
            else None,
            category_figure=charts.amounts_by_category(
                alert_selectors.customer_amounts_by_category(filters=filters)
            )
            if days
            else None,
            hour_figure=charts.amounts_by_hour(alert_selectors.customer_amounts_by_hour(filters=filters))
            if days
            else None,
        )
    return render(request, "customers/detail.html", context, status=200 if valid else 400)
