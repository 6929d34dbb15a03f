#!/usr/bin/env python
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
NEXT_STEP = (
    "fdsportal: no settings yet. Run `python3 run.py demo --setup-only` first (it prepares the demo "
    "and writes var/demo.env, which manage.py then reads), or set DJANGO_SECRET_KEY and "
    "FDS_AUDIT_HMAC_KEY for an installation of your own."
)


def demo_env_apply(environ: dict[str, str] | os._Environ[str]) -> bool:
    """Take the demo's settings from var/demo.env for what the environment does not set itself.

    Only when no secret key is configured: an installation with its own DJANGO_SECRET_KEY never reads
    the demo's file. Returns whether the file was read."""
    if environ.get("DJANGO_SECRET_KEY"):
        return False
    env_file = Path(environ.get("FDS_VAR_DIR") or ROOT / "var") / "demo.env"
    if not env_file.is_file():
        return False
    for line in env_file.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.startswith("#"):
            environ.setdefault(key.strip(), value.strip())
    return True


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fdsportal.settings")
    demo = demo_env_apply(os.environ)
    dev_key = os.environ.get("DJANGO_DEBUG", "").lower() in {"1", "true", "yes", "on"} or os.environ.get(
        "FDS_INSECURE_DEV_KEY", ""
    ).lower() in {"1", "true", "yes", "on"}
    if not demo and not dev_key and not os.environ.get("DJANGO_SECRET_KEY"):
        sys.exit(NEXT_STEP)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
