import pytest

from components.spending.pricing import actual_cost, estimate, format_cost, format_dollars, format_price


@pytest.mark.parametrize(
    "seconds, price, billed, text",
    [
        (8.4, 0.115, 9, "8.4 s, billed as 9 s × $0.115/s = $1.04"),
        (5.0, 0.115, 5, "5.0 s, billed as 5 s × $0.115/s = $0.58"),
        (5.04, 0.115, 5, "5.0 s, billed as 5 s × $0.115/s = $0.58"),  # MP3 header padding is not billed
        (5.2, 0.0562, 6, "5.2 s, billed as 6 s × $0.0562/s = $0.34"),
        (60.0, 0.115, 60, "60.0 s, billed as 60 s × $0.115/s = $6.90"),
        (0.3, 0.115, 1, "0.3 s, billed as 1 s × $0.115/s = $0.12"),
        (8.33, 0.115, 9, "8.3 s, billed as 9 s × $0.115/s = $1.04"),  # the README's clip
        (6.3, 0.0, 7, "6.3 s — Free"),
    ],
)
def test_estimate_bills_whole_seconds_rounded_up(seconds, price, billed, text):
    quote = estimate(seconds, price)
    assert quote.billed_seconds == billed
    assert quote.describe() == text


def test_actual_cost_bills_the_returned_duration_as_the_estimate_bills_the_clip():
    assert actual_cost(8.4, 0.115) == pytest.approx(9 * 0.115)
    assert format_dollars(actual_cost(8.4, 0.115)) == format_dollars(estimate(8.4, 0.115).dollars) == "$1.04"
    assert actual_cost(4.075, 0.115) == pytest.approx(estimate(4.008, 0.115).dollars)  # a 4.0 s WAV sent as MP3


def test_a_cost_of_nothing_is_free_and_a_fraction_of_a_cent_is_not_zero():
    assert format_cost(0) == "Free"
    assert format_cost(0.002) == "under $0.01"
    assert format_cost(1.035) == "$1.04"


def test_prices_keep_significant_digits():
    assert format_price(0.115) == "$0.115"
    assert format_price(0.0562) == "$0.0562"
    assert format_price(0) == "$0"
