"""The "what to try" pages: per role, the main flows of the demo with links to the real pages.

One table (`GUIDES`) holds each role's steps; a step links to a named URL, or to an object the
demo's working week left in a telling state (a case waiting for a decision, the bank's example
alert), found when the page is shown. On a demo installation (var/demo-logins.txt exists) the
page also names the login to use; elsewhere it names none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert, Customer
from cases.models import Case, QaReview, RefundRequest
from fdsportal import roles
from smishing.models import Campaign

SEED_CUSTOMER = "seed-case-customer"


def _seed_alert() -> str | None:
    alert = Alert.objects.filter(customer__external_id=SEED_CUSTOMER).order_by("-created_at").first()
    return reverse("alerts:detail", args=[alert.pk]) if alert else None


def _seed_customer() -> str | None:
    customer = Customer.objects.filter(external_id=SEED_CUSTOMER).first()
    return reverse("customers:detail", args=[customer.pk]) if customer else None


def _case_in(status: str) -> Callable[[], str | None]:
    def find() -> str | None:
        case = Case.objects.filter(status=status).order_by("-opened_at").first()
        return reverse("cases:detail", args=[case.pk]) if case else None

    return find


def _refund_waiting() -> str | None:
    refund = (
        RefundRequest.objects.filter(status=RefundRequest.Status.REQUESTED).order_by("requested_at").first()
    )
    return reverse("cases:detail", args=[refund.case_id]) if refund else None


def _campaign() -> str | None:
    campaign = Campaign.objects.order_by("-size").first()
    return reverse("smishing:campaign_detail", args=[campaign.pk]) if campaign else None


def _qa_waiting() -> str | None:
    review = QaReview.objects.filter(reviewed_at__isnull=True).order_by("pk").first()
    return reverse("cases:qa_review", args=[review.pk]) if review else None


@dataclass(frozen=True)
class Step:
    title: Promise
    text: Promise
    url_name: str = ""
    find: Callable[[], str | None] | None = None


@dataclass(frozen=True)
class Guide:
    role: str
    slug: str
    login: str
    title: Promise
    summary: Promise
    steps: tuple[Step, ...]


GUIDES: tuple[Guide, ...] = (
    Guide(
        roles.FRAUD_ANALYST,
        "analyst",
        "analyst",
        _("Fraud analyst"),
        _("Work the alert queue, investigate cases and request refunds."),
        (
            Step(
                _("Watch the live queue"),
                _(
                    "The queue opens on a working day: alerts new, claimed, snoozed, dismissed and "
                    "escalated by the demo's analysts. A new alert arrives at the top every 10–30 seconds "
                    "while the demo runs."
                ),
                "alerts:queue",
            ),
            Step(
                _("Open the bank's example"),
                _(
                    "A 17-year-old pays 7,000 won at an ice-cream discount store at 07:00 on a Friday. "
                    "Read the reasons and the score, then claim the alert."
                ),
                find=_seed_alert,
            ),
            Step(
                _("Triage"),
                _(
                    "Claim an alert, then dismiss it with a reason or escalate it to a case. Try the "
                    "same alert as analyst2 in another browser: only one of you gets it."
                ),
                "alerts:queue",
            ),
            Step(
                _("Work a case"),
                _(
                    "A case under investigation: add a note, log a customer contact, attach evidence, "
                    "then decide. Confirming fraud with an amount requests a refund."
                ),
                find=_case_in(Case.Status.INVESTIGATING),
            ),
            Step(
                _("Look a customer up"),
                _("All transactions with filters and charts, alerts, cases, refunds and smishing reports."),
                find=_seed_customer,
            ),
            Step(
                _("Search transactions"),
                _("By id, customer, account, merchant, amount or time."),
                "alerts:transactions",
            ),
            Step(
                _("Label smishing reports"),
                _("Reports employees forwarded, grouped into campaigns of near-duplicates."),
                "smishing:review",
            ),
        ),
    ),
    Guide(
        roles.SENIOR_ANALYST,
        "senior",
        "senior",
        _("Senior analyst (approver)"),
        _("Approve large refunds, follow operations and govern detection."),
        (
            Step(
                _("Decide a refund waiting for approval"),
                _(
                    "Refunds above the four-eyes threshold wait for a second person. Approve one (it is "
                    "paid through the gateway) or reject one with a reason. Signed in as the analyst who "
                    "decided the case, the same buttons are refused."
                ),
                "cases:refunds",
            ),
            Step(
                _("The case behind a waiting refund"),
                _("Its notes, contacts, evidence and history."),
                find=_refund_waiting,
            ),
            Step(
                _("Operations dashboard"),
                _("Alerts per hour, decisions per day, precision per reason, SLA and open cases by age."),
                "cases:ops",
            ),
            Step(
                _("Change a rule"),
                _("Edit the draft, run a backtest, and ask a second approver to publish it."),
                "detection:rules",
            ),
            Step(
                _("Threshold by budget"),
                _("Pick the threshold that fits the alerts a day the team can handle."),
                "detection:threshold",
            ),
            Step(
                _("Models"),
                _("The live model, its lineage and metrics; start a retraining run."),
                "alerts:models",
            ),
        ),
    ),
    Guide(
        roles.COMPLIANCE_REVIEWER,
        "compliance",
        "compliance",
        _("Compliance reviewer"),
        _("Review a sample of dismissals and reconstruct decisions from the audit trail."),
        (
            Step(
                _("QA samples waiting"),
                _("A keyed share of dismissed alerts; record whether each dismissal was right."),
                "cases:qa",
            ),
            Step(
                _("Review one sample"),
                _("The alert, the dismissal reason and who gave it."),
                find=_qa_waiting,
            ),
            Step(
                _("Audit trail"),
                _(
                    "Search every decision by actor, action and time; export it as CSV; follow one object's timeline."
                ),
                "audit:search",
            ),
            Step(
                _("Detection governance"), _("Rules, versions and approvals, read-only."), "detection:changes"
            ),
        ),
    ),
    Guide(
        roles.EMPLOYEE,
        "employee",
        "employee",
        _("Employee"),
        _("Check a suspicious text message."),
        (
            Step(
                _("Check a text"),
                _(
                    "Paste a text message you received, for example a parcel notice with a link. The "
                    "verdict arrives in a moment, each reason pointing at the words it rests on."
                ),
                "smishing:submit",
            ),
            Step(_("Your reports"), _("The texts you checked and what analysts decided."), "smishing:mine"),
        ),
    ),
    Guide(
        roles.ADMINISTRATOR,
        "admin",
        "admin",
        _("Administrator"),
        _("Everything the other roles see, plus users, roles and lockouts."),
        (
            Step(_("Users and roles"), _("Give a user a role: every change is audited."), "admin:index"),
            Step(_("Lockouts"), _("Lift a login lockout with a reason."), "lockouts"),
            Step(
                _("A smishing campaign"),
                _("Near-duplicate reports grouped, with their majority label."),
                find=_campaign,
            ),
            Step(_("The queue"), _("Administrators can triage too."), "alerts:queue"),
        ),
    ),
)
GUIDE_BY_SLUG = {guide.slug: guide for guide in GUIDES}


@dataclass(frozen=True)
class ShownStep:
    title: Promise
    text: Promise
    url: str | None


def guide_steps(guide: Guide) -> list[ShownStep]:
    """The guide's steps with their links resolved (None where the demo has no such object)."""
    shown = []
    for step in guide.steps:
        url = step.find() if step.find is not None else reverse(step.url_name)
        shown.append(ShownStep(step.title, step.text, url))
    return shown


def demo_logins() -> dict[str, str]:
    """username → password from var/demo-logins.txt, on a demo installation only."""
    path = settings.VAR_DIR / "demo-logins.txt"
    if not path.is_file():
        return {}
    logins = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            logins[parts[0]] = parts[1]
    return logins


def guide_for_user(user: AbstractBaseUser | AnonymousUser) -> Guide | None:
    """The guide of the user's role (the first group that has one)."""
    if not user.is_authenticated or not isinstance(user, User):
        return None
    names = set(user.groups.values_list("name", flat=True))
    return next((guide for guide in GUIDES if guide.role in names), None)
