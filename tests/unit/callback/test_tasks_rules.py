"""Callback tasks' rules, per regime: who calls, by which channels, how often, the script,
and the survey link's signature, expiry and single use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tousu_callback.domain.script import CaseStory, Step, build_script
from tousu_callback.domain.tasks import (
    TaskPlan,
    TaskRefused,
    check_open,
    failed_attempt,
    plan_task,
    retry_interval,
    satisfied,
)
from tousu_callback.survey import SurveyLinkExpired, SurveyLinkInvalid, issue_link, read_link
from tousu_shared.regimes import load_regime

T0 = datetime(2026, 9, 16, 2, 0, tzinfo=UTC)
KEY = "unit-survey-key"


def plan(regime: str, owner: str | None, survey_goes_back: bool = False) -> TaskPlan:
    return plan_task(
        load_regime(regime), {}, clock_owner=owner, receiver="clerk-7", survey_goes_back=survey_goes_back
    )


class TestWhoAndHow:
    def test_002_minor_is_the_receivers_and_major_the_station_heads(self) -> None:
        minor, major = plan("service-station-sop", "receiver"), plan("service-station-sop", "station_head")
        assert (minor.assignee_role, minor.assignee) == ("receiver", "clerk-7")
        assert (major.assignee_role, major.assignee) == ("station_head", None)

    def test_003_whoever_accepted_calls_back(self) -> None:
        task = plan("developer-customer-service", "receiver")
        assert (task.assignee_role, task.assignee, task.channels) == (
            "receiver",
            "clerk-7",
            ("phone", "visit"),
        )

    def test_without_a_clock_owner_the_policy_says_who(self) -> None:
        task = plan("property-role-matrix", None)
        assert (task.assignee_role, task.assignee) == ("customer_service", None)

    def test_a_complaint_whose_channel_takes_the_link_back_also_gets_the_survey(self) -> None:
        assert plan("community-standard", None, True).channels == ("phone", "visit", "online_survey")
        assert plan("community-standard", None, False).channels == ("phone", "visit")

    def test_retries_come_from_the_regimes_parameter(self) -> None:
        regime = load_regime("logistics-service")
        assert plan("logistics-service", None).attempts_allowed == 3  # the first, then 2 retries
        assert retry_interval(regime, {}) == timedelta(hours=4)
        assert retry_interval(regime, {"callback_retry_interval": 1.5}) == timedelta(hours=1.5)


class TestAttempts:
    @given(allowed=st.integers(1, 8), done=st.integers(0, 7), hours=st.integers(1, 48))
    def test_each_miss_waits_the_interval_until_the_last_is_unreachable(
        self, allowed: int, done: int, hours: int
    ) -> None:
        done = min(done, allowed - 1)
        result = failed_attempt(done, allowed, timedelta(hours=hours), T0)
        assert result.attempt == done + 1
        if done + 1 == allowed:
            assert (result.unreachable, result.next_attempt_at) == (True, None)
        else:
            assert (result.unreachable, result.next_attempt_at) == (False, T0 + timedelta(hours=hours))

    @pytest.mark.parametrize("status", ["done", "unreachable", "cancelled"])
    def test_a_task_that_is_over_takes_nothing(self, status: str) -> None:
        with pytest.raises(TaskRefused, match=status):
            check_open(status)

    def test_basically_satisfied_closes_like_satisfied(self) -> None:
        assert [satisfied(s) for s in ("satisfied", "basically_satisfied", "dissatisfied")] == [
            True,
            True,
            False,
        ]


class TestScript:
    STORY = CaseStory(
        complaint_id="c-9",
        received_at=T0,
        channel="wechat",
        summary="楼上卫生间漏水，" * 12,
        department="工程部",
        steps=(
            Step(T0 + timedelta(hours=1), "dispatch", "cs-1", "派工程部"),
            Step(T0 + timedelta(hours=2), "onsite", "eng-1", "确认防水层破损"),
            Step(T0 + timedelta(hours=3), "escalate", "eng-1", "内部升级"),
            Step(T0 + timedelta(days=1), "resolve", "eng-1", "修补防水层"),
        ),
        resolution="修补防水层",
        resolved_at=T0 + timedelta(days=1),
        promised="一个月内再次回访",
        round=2,
    )

    def test_it_tells_what_was_done_and_promised_in_local_time(self) -> None:
        script = build_script(self.STORY, ZoneInfo("Asia/Shanghai"))
        assert script["opening"].startswith(
            "您好，这里是物业服务中心，就2026-09-16 10:00通过微信公众号您反映的“"
        )
        assert "…”（投诉编号 c-9）" in script["opening"] and "第 2 次回访" in script["opening"]
        assert script["what_was_done"] == [
            "2026-09-16 12:00 到场：确认防水层破损",
            "2026-09-17 10:00 处理完毕：修补防水层",
        ]  # the dispatch and the internal escalation are not the resident's business
        assert script["result"] == "2026-09-17 10:00 修补防水层"
        assert script["promised"] == "一个月内再次回访"
        assert any("满意、基本满意，还是不满意" in q for q in script["questions"])
        assert "退回工程部重新处理" in script["if_dissatisfied"]


class TestSurveyLinks:
    def test_a_link_names_its_task_until_it_expires(self) -> None:
        link = issue_link(KEY, "cbt-1", T0, timedelta(hours=72))
        assert link.url("https://tousu.example/") == f"https://tousu.example/survey/{link.token}"
        assert read_link(KEY, link.token, T0 + timedelta(hours=71)) == ("cbt-1", link.survey_id)
        with pytest.raises(SurveyLinkExpired):
            read_link(KEY, link.token, T0 + timedelta(hours=72))

    def test_two_links_for_one_task_differ(self) -> None:
        a, b = (
            issue_link(KEY, "cbt-1", T0, timedelta(hours=1)),
            issue_link(KEY, "cbt-1", T0, timedelta(hours=1)),
        )
        assert a.survey_id != b.survey_id and a.token != b.token

    @pytest.mark.parametrize("tamper", ["key", "task", "expiry", "signature", "garbage"])
    def test_a_forged_or_altered_link_is_refused(self, tamper: str) -> None:
        link = issue_link(KEY, "cbt-1", T0, timedelta(hours=1))
        task, survey, expiry, signature = link.token.split(".")
        token = {
            "key": issue_link("another-key", "cbt-1", T0, timedelta(hours=1)).token,
            "task": ".".join(["cbt-2", survey, expiry, signature]),
            "expiry": ".".join([task, survey, str(int(expiry) + 86400), signature]),
            "signature": ".".join([task, survey, expiry, "A" * 22]),
            "garbage": "not-a-link",
        }[tamper]
        with pytest.raises(SurveyLinkInvalid):
            read_link(KEY, token, T0)

    def test_a_link_is_short_enough_for_a_text_message(self) -> None:
        link = issue_link(KEY, "cbt-" + "0" * 24, T0, timedelta(hours=72))
        assert len(link.token) <= 80 and not link.token.startswith("eyJ")
