"""Prepare a fresh database for fault and load runs (run with DATABASE_URL set):

    python -m tests.faults.seed OUT.json [--analysts N]

Migrates, installs a small model trained on a synthetic stream as the active model, and creates an
ingest service client with a token and N fraud analysts with signed-in sessions. Writes the token and
the session keys to OUT.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--analysts", type=int, default=2)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from access.services import api_token_create
    from fdsportal import roles
    from tests.factories import active_model_install

    call_command("migrate", verbosity=0, interactive=False)
    roles.roles_sync()
    active_model_install()
    service = User.objects.create_user("faults-ingest")
    service.groups.add(Group.objects.get(name=roles.INGEST_SERVICE))
    _token, key = api_token_create(user=service, name="fault runs")
    analyst_group = Group.objects.get(name=roles.FRAUD_ANALYST)
    sessions = []
    for i in range(args.analysts):
        analyst = User.objects.create_user(f"faults-analyst{i}")
        analyst.groups.add(analyst_group)
        session = SessionStore()
        session[SESSION_KEY] = str(analyst.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = analyst.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    args.out.write_text(json.dumps({"token": key, "sessions": sessions}))


if __name__ == "__main__":
    main()
