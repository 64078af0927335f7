"""Each kind of text residents really write, read the way a senior clerk would.

The texts here are written for these tests (not taken from the corpus), one hard case
per test; the corpus measures how often the reader is right overall.
"""

from __future__ import annotations

import pytest

from tousu_shared.cases.classification import classify
from tousu_shared.regimes import load_regime

from ..reading import read


def filed(regime_id: str, text: str) -> tuple[str, str | None]:
    """(category, urgency or severity) of ``text`` under ``regime_id``."""
    regime = load_regime(regime_id)
    c = classify(regime, reading=read(text), channel="phone")
    return c.category, c.urgency if regime.urgency_levels else c.severity


class TestScriptsAndSpelling:
    def test_traditional_characters_read_like_simplified(self) -> None:
        assert (
            read("升降機困咗人，快啲嚟！").topic == read("电梯困人了，快来！").topic == "elevator_entrapment"
        )
        assert read("管理處收費太亂，重複收了兩次管理費").topic == "fees"

    def test_pinyin_typos_and_homophones(self) -> None:
        assert read("5栋的电提又坏了").topic == "elevator"
        assert read("楼上漏谁，天花板全湿了").topic == "water_leak"
        assert read("物也费凭什么涨价").topic == "fees"

    def test_full_width_and_english(self) -> None:
        assert read("ＬＩＦＴ　ｎｏｔ　ｗｏｒｋｉｎｇ　ａｇａｉｎ").topic == "elevator"
        assert read("Someone has been dumping rubbish in the stairwell for a week").topic == "cleaning"
        assert read("I smell gas in the corridor on the 12th floor, please come now").signals >= {"danger"}


class TestTranscripts:
    def test_the_clerks_words_do_not_count(self) -> None:
        text = "客服：您好，请问是电梯的问题吗？业主：不是不是，是我们楼道灯坏了三天了，晚上黑漆漆的"
        assert read(text).topic == "power"

    def test_filler_and_a_buried_grievance(self) -> None:
        text = (
            "喂？喂，你好，那个，我是3栋的，嗯，就是说，我家楼下那个，你听我说，"
            "每天晚上十一点多了还有人在楼下广场放音响跳舞，吵得孩子根本睡不着，对对对，就是那个广场"
        )
        assert read(text).topic == "noise"


class TestMainGrievance:
    def test_a_rude_cashier_is_about_the_staff_not_the_fee(self) -> None:
        assert read("去交物业费，收银员态度恶劣还骂人").topic == "staff_attitude"
        assert filed("property-role-matrix", "去交物业费，收银员态度恶劣还骂人")[0] == "service"

    def test_a_thumping_pump_is_equipment_not_noise(self) -> None:
        assert read("地下水泵房每晚嗡嗡响，噪音吵得睡不着").topic == "facility_equipment"
        assert filed("property-role-matrix", "地下水泵房每晚嗡嗡响，噪音吵得睡不着")[0] == "facility"

    def test_the_demand_outweighs_an_aside(self) -> None:
        text = "顺便说一下门口绿化有点乱。主要是我家厨房漏水，请尽快派人来修"
        assert read(text).topic == "water_leak"

    def test_a_correction_names_what_it_is_not(self) -> None:
        assert read("不是漏水，是下水道堵了，地漏往上返臭水").topic == "drainage"

    def test_a_question_is_not_a_correction(self) -> None:
        r = read("一进门一股怪味，是不是燃气漏了？我把窗都开了")
        assert r.topic == "gas" and "danger" in r.signals

    def test_a_symptom_yields_only_to_a_source_named_beside_it(self) -> None:
        text = "小区路灯上周修好了，谢谢。现在的问题是楼上每晚开派对唱歌，吵到凌晨两点"
        assert read(text).topic == "noise"


class TestPresentDanger:
    def test_someone_trapped_now_is_urgent(self) -> None:
        assert filed("property-role-matrix", "2号楼电梯卡在9楼，里面有人被困") == ("facility", "urgent")
        # the elevator named beside the entrapment goes to the entrapment, not to a rival
        assert read("電梯困人了，5號樓1單元，快來人").topic == "elevator_entrapment"

    def test_nobody_trapped_is_not(self) -> None:
        r = read("电梯停在3楼不动了，没有人被困，就是没法用")
        assert r.topic == "elevator" and "danger" not in r.signals
        assert filed("property-role-matrix", "电梯停在3楼不动了，没有人被困，就是没法用")[1] == "general"

    def test_a_hypothetical_fire_is_not(self) -> None:
        r = read("楼道里堆满纸箱，万一着火怎么办")
        assert r.topic == "fire_safety" and "danger" not in r.signals
        assert filed("property-role-matrix", "楼道里堆满纸箱，万一着火怎么办")[1] == "general"

    def test_a_past_danger_is_not(self) -> None:
        r = read("上个月电梯困人，到现在也没给个说法")
        assert "danger" not in r.signals and r.topic == "elevator"

    def test_cantonese_and_english_negations(self) -> None:
        assert "danger" not in read("2座升降機壞咗，冇人困住，但係要行樓梯").signals
        r = read("Nobody was hurt, but the lift door keeps closing on people's arms")
        assert "injury_or_loss" not in r.signals

    def test_danger_without_a_danger_word_is_read_by_the_model(self) -> None:
        # no lexicon cue says "missing" here: the n-gram model does, and a missing person
        # is danger now by definition
        text = "我老豆有认知障碍，今朝落街之后到而家都未返，手机又冇带"
        r = read(text)
        assert r.topic == "missing_person" and r.reasons[0].startswith("missing_person: model")
        assert "danger" in r.signals
        assert filed("property-role-matrix", text)[1] == "urgent"

    def test_a_danger_topic_denied_by_the_text_is_not_danger(self) -> None:
        r = read("上个月有个小孩在小区走丢了，后来找到了，你们的监控到底有没有用")
        assert "danger" not in r.signals

    def test_a_near_miss_is_neither_harm_nor_danger(self) -> None:
        text = "楼梯口的灯坏了好几天，我妈晚上下楼差点摔倒"
        assert not {"injury_or_loss", "danger"} & read(text).signals
        assert filed("property-role-matrix", text)[1] == "general"

    def test_water_rising_now_is_a_flood(self) -> None:
        text = "B2车库积水已经淹到膝盖了，水还在涨，好几辆车停在里面"
        assert "danger" in read(text).signals
        assert filed("property-role-matrix", text)[1] == "urgent"

    def test_smoke_now_is_urgent_everywhere_it_can_be(self) -> None:
        text = "配电箱在冒烟，还有火花"
        assert filed("property-role-matrix", text)[1] == "urgent"
        assert filed("logistics-service", text)[1] == "urgent"
        assert filed("community-standard", text)[1] == "major"

    def test_an_outage_that_is_over_is_not_urgent(self) -> None:
        text = "昨晚整栋楼停电了一个小时，早就恢复了，就想问问为什么不提前通知"
        assert filed("logistics-service", text)[1] == "general"

    def test_a_whole_building_without_water_is_a_major_failure_for_logistics(self) -> None:
        assert filed("logistics-service", "整栋楼停水一上午了，水泵坏了")[1] == "urgent"

    def test_a_single_space_ends_a_clause_in_a_voice_message(self) -> None:
        # "要是" makes only its own clause hypothetical: the panel is dark now
        text = "12栋的火灾报警主机 今天早上开始 屏幕全黑了 要是着火了谁知道 快来修"
        assert filed("logistics-service", text)[1] == "urgent"
        # a near miss beside a hazard still there: the missing cover is danger now
        text = "3栋后面那个井盖不见了 路灯也不亮 刚刚有个老人差点踩空"
        assert "danger" in read(text).signals


class TestDifficultAndGroup:
    def test_no_fewer_than_five_times_is_repeated(self) -> None:
        assert "repeated" in read("楼下烧烤店太吵了，我投诉了不下五次").signals

    def test_a_conditional_threat_still_counts(self) -> None:
        assert "legal" in read("监控坏了两个月不修，东西被偷了，不赔就法院见").signals

    def test_money_taken_twice_is_not_a_repeated_complaint(self) -> None:
        r = read("这个月物业费被扣了两次，麻烦退一笔")
        assert r.topic == "fees" and "repeated" not in r.signals
        assert filed("property-role-matrix", "这个月物业费被扣了两次，麻烦退一笔")[1] == "general"

    def test_a_loss_caused_by_staff_is_major_for_service_stations(self) -> None:
        text = "维修师傅搬梯子把我家玄关的镜子砸碎了，也不说赔"
        assert "injury_or_loss" in read(text).signals
        assert filed("service-station-sop", text)[1] == "major"

    def test_long_standing_and_repeated(self) -> None:
        assert filed("property-role-matrix", "外墙渗水半年了，反映了三次都没人管")[1] == "difficult"

    def test_continuous_is_not_long_standing(self) -> None:
        assert "long_standing" not in read("电梯这两天运行时一直有异响").signals

    @pytest.mark.parametrize(
        "text",
        [
            "车库入口的减速带坏了，从国庆到现在还没换",
            "二次供水的水压由八月开始就一直偏低",
            "垃圾房门口的灯中秋前就坏了，一直没人修",
            "The gym's air-con has been broken since July",
            "走廊窗户玻璃碎了，等了两个多月",
        ],
    )
    def test_since_a_month_or_a_festival_is_long_standing(self, text: str) -> None:
        assert "long_standing" in read(text).signals

    def test_since_yesterday_is_not_long_standing(self) -> None:
        assert "long_standing" not in read("从昨天到现在楼道灯都没亮").signals

    def test_a_complaint_made_before_makes_this_one_repeated(self) -> None:
        assert "repeated" in read("楼下商铺油烟太大，我上个月就投诉过，现在还是一样").signals
        assert "repeated" in read("I reported the broken gate twice already and nothing happened").signals

    @pytest.mark.parametrize(
        "text",
        [
            "停车场道闸突然落下来，砸到我的车顶，修车花了三千多",
            "小区那只没拴的狗把我儿子腿咬了，打疫苗花了一千五",
            "保洁冲洗地库没看车窗，我车里灌满了水",
            "The barrier arm came down on my car at the east gate this morning",
        ],
    )
    def test_a_loss_the_estate_caused_is_major_for_service_stations(self, text: str) -> None:
        assert "injury_or_loss" in read(text).signals
        assert filed("service-station-sop", text)[1] == "major"

    def test_legal_and_property_rights(self) -> None:
        assert filed("property-role-matrix", "地下车位产权归谁，我们要走法律途径")[1] == "difficult"

    @pytest.mark.parametrize(
        ("text", "count"),
        [
            ("我们32户业主联名投诉", 32),
            ("二十多位业主一起签名", 20),
            ("15 households signed the petition", 15),
        ],
    )
    def test_signatories_are_counted(self, text: str, count: int) -> None:
        assert read(text).signatories == count

    def test_a_building_that_signed_in_cantonese_counts_its_households(self) -> None:
        text = "我哋成棟樓都簽晒名，一共四十二戶，反對加管理費"
        assert read(text).signatories == 42
        assert filed("community-standard", text)[1] == "group"

    def test_a_flat_number_is_not_a_count_of_households(self) -> None:
        assert read("楼上1502家厨房漏水，渗到我家吊顶了，业主群里说过没人管").signatories is None

    def test_group_thresholds_are_the_regimes(self) -> None:
        text = "我们12户业主联名反对停车费涨价"
        assert filed("community-standard", text)[1] == "group"  # ≥10 signatories
        assert filed("property-role-matrix", text)[1] == "general"  # fewer than 20 households

    def test_a_whole_building_acting_together_is_a_group(self) -> None:
        text = "小区门口的垃圾站臭了一个夏天，整栋楼的人都受不了，下周一起去街道反映"
        assert "group" in read(text).signals
        assert filed("community-standard", text)[1] == "group"

    def test_media_makes_a_developer_case_major(self) -> None:
        assert filed("developer-customer-service", "再不修外墙裂缝我们就找记者曝光")[1] == "major"

    def test_declining_to_sue_is_not_legal(self) -> None:
        assert "legal" not in read("我们不打算起诉，只想尽快把墙修好").signals


class TestClarification:
    def test_a_bare_elevator_complaint_asks_what_a_clerk_would(self) -> None:
        r = read("电梯坏了")
        assert r.needs_clarification and r.topic == "elevator"
        assert any("被困" in q for q in r.questions) and any("哪" in q for q in r.questions)

    def test_no_topic_at_all_asks_generic_questions(self) -> None:
        r = read("你们管不管？")
        assert r.needs_clarification and r.topic == "other" and r.questions

    def test_a_greeting_is_no_topic_yet(self) -> None:
        r = read("你好")
        assert r.topic == "other" and r.needs_clarification

    def test_a_specific_complaint_needs_no_questions(self) -> None:
        r = read("6栋2单元楼道灯坏了一周，晚上老人上下楼看不见")
        assert not r.needs_clarification and r.questions == ()


def test_every_result_explains_itself() -> None:
    r = read("3号楼电梯困人，里面有老人")
    assert any("「" in reason for reason in r.reasons)
    assert 0 < r.confidence <= 1
    # both readers say why: the lexicon's cues and the model's score with its grams
    assert r.reasons[0].startswith("elevator_entrapment: lexicon 「") and "; model " in r.reasons[0]
    assert r.reasons[1].startswith("over ")
