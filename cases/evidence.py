"""Case evidence uploads: content sniffing and storage, audited."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from cases.errors import CaseActionRefused
from cases.models import (
    Case,
    Evidence,
)

# --- Evidence ------------------------------------------------------------------------------------

EVIDENCE_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
}


def evidence_sniff(*, head: bytes, filename: str) -> str | None:
    """The content type the bytes really are (among the allowed ones) if the name agrees, else None."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if head.startswith(b"%PDF-"):
        sniffed = "application/pdf"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        sniffed = "image/png"
    elif head.startswith(b"\xff\xd8\xff"):
        sniffed = "image/jpeg"
    else:
        # Text: no NUL bytes and valid UTF-8 (or the Korean legacy encoding) in the sampled head.
        if b"\x00" in head:
            return None
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # The sample may cut a multi-byte character at its end.
            if exc.start < len(head) - 3:
                try:
                    head.decode("cp949")
                except UnicodeDecodeError:
                    return None
        sniffed = "text/csv" if suffix == ".csv" else "text/plain"
    return sniffed if suffix in EVIDENCE_TYPES[sniffed] else None


def case_evidence_add(*, case_id: int, actor: User, upload: UploadedFile, description: str = "") -> Evidence:
    """Store an evidence file after checking its size and its real type (content, not the name).

    Side effects: a file in storage, an Evidence row and an audit event. Not idempotent.
    """
    if not actor.has_perm("cases.work_case"):
        raise CaseActionRefused(_("You may not work on cases."))
    limit = settings.FDS_EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise CaseActionRefused(_("The file is empty."))
    if upload.size > limit:
        raise CaseActionRefused(
            _("The file is larger than %(megabytes)s MB.") % {"megabytes": limit // (1024 * 1024)}
        )
    name = (upload.name or "evidence").replace("\\", "/").rsplit("/", 1)[-1][:200]
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    content_type = evidence_sniff(head=head, filename=name)
    if content_type is None:
        raise CaseActionRefused(
            _("Only PDF, PNG, JPEG, TXT and CSV files whose content matches their name are accepted.")
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        case = Case.objects.get(pk=case_id)
        evidence = Evidence(
            case=case,
            uploaded_by=actor,
            original_name=name,
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            description=description.strip()[:300],
        )
        evidence.file.save(name, upload, save=False)
        try:
            evidence.save()
            audit_record(
                action="cases.case.evidence_added",
                target=case,
                actor=actor,
                after={
                    "evidence_id": evidence.pk,
                    "name": name,
                    "content_type": content_type,
                    "size": evidence.size,
                    "sha256": evidence.sha256,
                },
            )
        except Exception:
            evidence.file.delete(save=False)
            raise
    return evidence


def evidence_download_record(*, evidence_id: int, actor: User) -> None:
    """Record that `actor` took a copy of an evidence file (`cases.evidence.downloaded`), before the
    file is served. Not idempotent by design: every download is a disclosure of its own."""
    with transaction.atomic():
        evidence = Evidence.objects.get(pk=evidence_id)
        audit_record(
            action="cases.evidence.downloaded",
            target=evidence,
            actor=actor,
            after={"case": evidence.case_id, "name": evidence.original_name, "sha256": evidence.sha256},
        )
