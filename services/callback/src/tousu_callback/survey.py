"""Online survey links: signed (HMAC, so nobody can forge or alter one), expiring, and single
use (the task remembers the link's id and when it was answered).

The link is ``<base>/survey/<token>``, the token ``<task>.<link id>.<expiry>.<signature>``:
short enough for a text message, and not a bearer token of any API (only the survey page
reads it). A resident answers it without signing in: the link is the credential, so it says
nothing of the resident and only works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tousu_callback.domain.labels import SHANGHAI
from tousu_callback.facts import CaseFacts
from tousu_callback.models import CallbackTask
from tousu_callback.settings import CallbackSettings
from tousu_shared.admin_token import generated_secret
from tousu_shared.contracts.envelope import Envelope
from tousu_shared.contracts.events import ReplyRequested
from tousu_shared.contracts.topics import Topics
from tousu_shared.settings import read_mounted

#: what the signature covers besides the token's parts, so no other HMAC of the key fits
_PURPOSE = b"tousu-survey-link"
_TOKEN = re.compile(r"^(cbt-[0-9a-f]{1,60})\.([A-Za-z0-9_-]{16,64})\.([0-9]{1,12})\.([A-Za-z0-9_-]{22})$")


class SurveyLinkInvalid(ValueError):
    """Forged, altered, or not a survey link at all."""


class SurveyLinkExpired(ValueError):
    """A genuine link whose time is over."""


@dataclass(frozen=True)
class SurveyLink:
    task_id: str
    survey_id: str
    expires_at: datetime
    token: str

    def url(self, base: str) -> str:
        return f"{base.rstrip('/')}/survey/{self.token}"


def survey_key(settings: CallbackSettings, data_dir: Path) -> str:
    if settings.survey_secret is not None:
        return settings.survey_secret.get_secret_value()
    if settings.survey_secret_file is not None:
        return read_mounted(settings.survey_secret_file, "TOUSU_SURVEY_SECRET_FILE")
    return generated_secret(data_dir / "callback" / "survey-key", "survey signing key", "TOUSU_SURVEY_SECRET")


def _signature(key: str, body: str) -> str:
    digest = hmac.new(key.encode(), _PURPOSE + b"|" + body.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue_link(key: str, task_id: str, now: datetime, ttl: timedelta) -> SurveyLink:
    survey_id = secrets.token_urlsafe(12)
    expires_at = (now + ttl).replace(microsecond=0)
    body = f"{task_id}.{survey_id}.{int(expires_at.timestamp())}"
    return SurveyLink(task_id, survey_id, expires_at, f"{body}.{_signature(key, body)}")


def read_link(key: str, token: str, now: datetime) -> tuple[str, str]:
    """The task id and link id of a genuine, unexpired link (``now``: the service's clock,
    virtual in tests, so expiry is checked against it rather than the machine's time)."""
    found = _TOKEN.match(token)
    if found is None:
        raise SurveyLinkInvalid("not a survey link of this service")
    task_id, survey_id, expiry, signature = found.groups()
    if not hmac.compare_digest(signature, _signature(key, f"{task_id}.{survey_id}.{expiry}")):
        raise SurveyLinkInvalid("not a survey link of this service")
    if now.timestamp() >= int(expiry):
        raise SurveyLinkExpired("this survey link has expired")
    return task_id, survey_id


@dataclass(frozen=True)
class SurveyIssuer:
    """Issues a task's survey link and sends it back through the channel the complaint came
    by (``ReplyRequested`` on its outbound topic; the channel deployment resolves the address
    in intake's vault, so the address never travels)."""

    key: str
    ttl: timedelta
    base_url: str
    #: channels whose deployments deliver replies (TOUSU_SURVEY_CHANNELS)
    channels: frozenset[str]

    def goes_back(self, facts: CaseFacts) -> bool:
        """The link can go back the way the complaint came."""
        return facts.can_reply and facts.channel in self.channels

    def send(
        self,
        emit: Callable[[str, Envelope], object],
        topics: Topics,
        now: datetime,
        task: CallbackTask,
        facts: CaseFacts,
        caused_by: Envelope | None = None,
    ) -> tuple[str, Envelope | None]:
        """Issue a new link for ``task`` (an earlier one stops working) and send it when the
        complaint came by a channel that can answer; the URL, and the reply sent, if any."""
        link = issue_link(self.key, task.task_id, now, self.ttl)
        task.survey_id, task.survey_expires_at, task.survey_used_at = link.survey_id, link.expires_at, None
        url = link.url(self.base_url)
        if not (self.goes_back(facts) and facts.channel and facts.contact_ref and facts.account_id):
            return url, None
        reply = ReplyRequested(
            account_id=facts.account_id,
            kind="survey",
            text=(
                f"您好，您反映的问题（投诉编号 {task.complaint_id}）已处理完毕。"
                f"请点击链接告诉我们您是否满意：{url} （链接仅可使用一次，"
                f"{link.expires_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 前有效）"
            ),
            contact_ref=facts.contact_ref,
        )
        if caused_by is not None:
            envelope = caused_by.follow_up(reply, now)
        else:
            envelope = Envelope.new(
                payload=reply,
                occurred_at=now,
                tenant_id=task.tenant_id,
                estate_id=task.estate_id,
                complaint_id=task.complaint_id,
            )
        emit(topics.outbound(facts.channel), envelope)
        return url, envelope
