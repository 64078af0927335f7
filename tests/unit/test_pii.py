from hypothesis import given
from hypothesis import strategies as st

from tousu_shared.pii import mask_name, mask_phone, mask_phones_in_text


def test_mobile_keeps_first_three_and_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "861******5678"


def test_short_numbers_show_almost_nothing() -> None:
    assert mask_phone("1234") == "****"
    assert mask_phone("1234567") == "*****67"


def test_name_keeps_the_family_name() -> None:
    assert mask_name("张三丰") == "张**"
    assert mask_name(" 王 ") == "王"
    assert mask_name("") == ""


def test_phones_inside_text_are_masked() -> None:
    text = "业主李先生电话13812345678，座机021-12345678，房号7-1-1103"
    masked = mask_phones_in_text(text)
    assert "13812345678" not in masked and "12345678" not in masked
    assert "138****5678" in masked
    assert "7-1-1103" in masked


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.text(alphabet="投诉电梯漏水 ，。"))
def test_no_mobile_number_survives_masking(phone: str, around: str) -> None:
    masked = mask_phones_in_text(f"{around}{phone}{around}")
    assert phone not in masked


def test_grouped_mobile_numbers_are_masked_too() -> None:
    from tousu_shared.pii import mask_phones_in_text

    masked = mask_phones_in_text("电话139 1234 5678，或186-2000-1234，或+86 138-1234-5678")
    assert "1234 5678" not in masked and "2000-1234" not in masked and "1234-5678" not in masked
    assert masked.count("****") == 3
