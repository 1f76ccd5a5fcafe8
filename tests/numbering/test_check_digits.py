import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.numbering import check_digits, luhn_check_digit, mod97_check_digits


@pytest.mark.parametrize(
    ("payload", "digit"),
    [("7992739871", "3"), ("0", "0"), ("1", "8"), ("37828224631000", "5"), ("US037833100", "5")],
)
def test_luhn_matches_known_values(payload, digit):
    # 7992739871-3 is the textbook example; US0378331005 is Apple's ISIN, whose letters Luhn spells out.
    assert luhn_check_digit(payload) == digit


@pytest.mark.parametrize(
    ("payload", "digits"),
    [("WEST12345698765432GB", "82"), ("794", "44"), ("32142829123456987654321611", "82")],
)
def test_mod97_matches_iban_and_iso7064_examples(payload, digits):
    # GB82 WEST 1234 5698 7654 32 rearranged as IBAN validation does; 794 -> 44 is ISO 7064's own example.
    assert mod97_check_digits(payload) == digits


def test_letters_count_whatever_their_case_and_other_characters_are_skipped():
    assert luhn_check_digit("ts-2024") == luhn_check_digit("TS2024")
    assert mod97_check_digits("技术TS/2024") == mod97_check_digits("TS2024")


def test_none_prints_nothing():
    assert check_digits("none", "TS2024") == ""


@given(st.text("0123456789", min_size=1, max_size=30))
def test_mod97_digits_make_the_number_one_modulo_97(payload):
    assert int(payload + mod97_check_digits(payload)) % 97 == 1


@given(st.text("0123456789", min_size=1, max_size=30), st.data())
def test_every_single_digit_substitution_changes_the_check(payload, data):
    index = data.draw(st.integers(0, len(payload) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != payload[index]]))
    typo = payload[:index] + replacement + payload[index + 1 :]
    assert luhn_check_digit(typo) != luhn_check_digit(payload)
    assert mod97_check_digits(typo) != mod97_check_digits(payload)
