"""The owner's budget: refused with the numbers before anything is spent; visitors' own keys don't count."""

from __future__ import annotations

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from components.budget import SessionSpend, check_budget
from components.errors import BudgetExceeded
from components.pricing import estimate
from components.settings import Budget
from tests.fakes.media import tone_wav
from tests.helpers import PRO, SERVER_KEY, VISITOR_KEY, fast_settings, running_app

SMALL = Budget(
    max_seconds_per_request=10, max_dollars_per_request=1.00, max_seconds_per_session=12, max_dollars_per_session=5.00
)


def test_request_limit_names_the_numbers():
    with pytest.raises(BudgetExceeded, match=r"would use 11 s \(\$1\.27\).*at most 10 s and \$1\.00"):
        check_budget(estimate(11.0, 0.115), SessionSpend(), SMALL)


def test_session_limit_counts_what_was_spent():
    spent = SessionSpend(seconds=8, dollars=0.92)
    with pytest.raises(BudgetExceeded, match=r"used 8 s \(\$0\.92\) of its 12 s / \$5\.00 budget.*needs 5 s"):
        check_budget(estimate(5.0, 0.115), spent, SMALL)
    check_budget(estimate(4.0, 0.115), spent, SMALL)


def test_reservation_is_released_when_a_job_fails():
    spent, quote = SessionSpend(), estimate(5.0, 0.115)
    spent.reserve(quote)
    spent.release(quote)
    assert (spent.seconds, spent.dollars) == (0, 0)


@pytest.fixture(scope="module")
def budgeted(fake_fal, tmp_path_factory):
    with running_app(fast_settings(budget=SMALL), SERVER_KEY, tmp_path_factory.mktemp("budget-videos")) as url:
        yield url


def run(client, media, audio, key=""):
    return client.predict(
        handle_file(str(media / "face.png")), handle_file(str(audio)), ".", PRO, key, api_name="/generate"
    )


def test_over_budget_request_is_refused_before_fal(budgeted, media, fal, tmp_path):
    with pytest.raises(AppError, match=r"would use 11 s \(\$1\.27\) of the app's fal budget"):
        run(Client(budgeted, verbose=False), media, tone_wav(tmp_path / "long.wav", 11.0))
    assert fal.seen == []


def test_session_budget_and_visitor_keys(budgeted, media, fal, tmp_path):
    client = Client(budgeted, verbose=False)
    run(client, media, tone_wav(tmp_path / "a.wav", 7.0))
    with pytest.raises(AppError, match=r"This session has used 7 s"):
        run(client, media, tone_wav(tmp_path / "b.wav", 6.0, freq=300))
    assert len(fal.submits()) == 1
    video, _ = run(client, media, tone_wav(tmp_path / "c.wav", 6.0, freq=330), key=VISITOR_KEY)
    assert video.endswith(".mp4") and len(fal.submits()) == 2  # the visitor's own key is not the owner's budget
