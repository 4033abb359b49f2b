"""Matched Audiences streaming helpers that need no server: DMP elements, per-element results, request pacing."""

import threading

import pytest

from odoo.addons.linkedin_leadgen.linkedin import Clock, PacingDeadlineExceeded, RequestPacer, dmp, hash_email

HASH = hash_email("test2@test.com")


class FakeClock(Clock):
    """Time that moves only when someone waits; the waits are noted in ``slept``."""

    def __init__(self, start=1000.0):
        self.now = start
        self.slept = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def time(self):
        return self.now


# ---------------------------------------------------------------- elements


def test_hashed_only_element_is_lean():
    assert HASH == "7599502b735425943fffc167b4c9cfb072d028c109ee07501c8711a4fe0e12e7"  # API notes 8.5
    assert dmp.build_element(dmp.ADD, HASH) == {
        "action": "ADD",
        "userIds": [{"idType": "SHA256_EMAIL", "idValue": HASH}],
    }
    assert dmp.build_element(dmp.REMOVE, HASH) == {
        "action": "REMOVE",
        "userIds": [{"idType": "SHA256_EMAIL", "idValue": HASH}],
    }


def test_details_are_stripped_cut_to_linkedin_lengths_and_upper_cased():
    element = dmp.build_element(dmp.ADD, HASH, " Jimbo ", "J" * 40, " " + "W" * 60, "us")
    assert element["firstName"] == "Jimbo"
    assert element["lastName"] == "J" * dmp.NAME_MAX_LENGTH == "J" * 35
    assert element["company"] == "W" * dmp.COMPANY_MAX_LENGTH == "W" * 50
    assert element["country"] == "US"


def test_empty_details_are_left_out():
    element = dmp.build_element(dmp.ADD, HASH, first_name="  ", last_name=None, company="", country=False)
    assert set(element) == {"action", "userIds"}


def test_remove_never_carries_details():
    element = dmp.build_element(dmp.REMOVE, HASH, "Jimbo", "Jones", "Widgets Inc", "US")
    assert set(element) == {"action", "userIds"}


def test_split_full_name():
    assert dmp.split_full_name(" Jimbo  Jones Junior ") == ("Jimbo", "Jones Junior")
    assert dmp.split_full_name("Cher") == ("Cher", "")
    assert dmp.split_full_name(None) == ("", "")


# ---------------------------------------------------------------- results


def test_results_all_accepted():
    answer = dmp.read_results([{"status": 201}, {"status": 200}], 2)
    assert answer.accepted == [0, 1]
    assert answer.refused == []


def test_partial_validation_refusals_carry_linkedin_reason():
    """Since 202502 invalid elements come back with a 4xx status in a 200 answer (API notes 8.5)."""
    results = [
        {"status": 201},
        {"status": 400, "error": {"status": 400, "message": "Malformed SHA256_EMAIL idValue", "batchIndex": 1}},
        {"status": 422, "message": "Unprocessable"},
        {"status": 409, "error": "Conflict"},
    ]
    answer = dmp.read_results(results, 4)
    assert answer.accepted == [0]
    assert answer.refused == [
        dmp.ElementRefusal(1, True, 400, "Malformed SHA256_EMAIL idValue"),
        dmp.ElementRefusal(2, True, 422, "Unprocessable"),
        dmp.ElementRefusal(3, True, 409, "Conflict"),
    ]


def test_elements_without_answer_are_refused():
    answer = dmp.read_results([{"status": 201}, "garbage"], 4)
    assert answer.accepted == [0]
    assert [(r.index, r.answered) for r in answer.refused] == [(1, False), (2, False), (3, False)]


def test_answer_without_a_numeric_status_is_refused():
    answer = dmp.read_results([{"status": "201"}, {}], 2)
    assert answer.accepted == []
    assert answer.refused == [dmp.ElementRefusal(0, True, "201", ""), dmp.ElementRefusal(1, True, None, "")]


# ---------------------------------------------------------------- pacing


def test_pacer_lets_the_limit_through_then_waits_for_the_window():
    clock, pacer = FakeClock(), RequestPacer()
    for second in range(3):  # at 1000, 1001, 1002
        clock.now = 1000.0 + second
        pacer.acquire("member", 3, clock=clock)
    assert clock.slept == []
    clock.now = 1010.0
    pacer.acquire("member", 3, clock=clock)
    assert clock.slept == [50.0], "the 4th request waits until the 1st leaves the minute"
    assert clock.now == 1060.0
    pacer.acquire("member", 3, clock=clock)
    assert clock.slept == [50.0, 1.0], "the 5th one until the 2nd leaves it"


def test_pacer_counts_each_key_apart():
    clock, pacer = FakeClock(), RequestPacer()
    pacer.acquire(("db", 1), 1, clock=clock)
    pacer.acquire(("db", 2), 1, clock=clock)
    pacer.acquire(("other db", 1), 1, clock=clock)
    assert clock.slept == []
    pacer.acquire(("db", 1), 1, clock=clock)
    assert clock.slept == [60.0]


def test_pacer_raises_instead_of_waiting_past_the_deadline():
    clock, pacer = FakeClock(), RequestPacer()
    pacer.acquire("member", 1, clock=clock)
    with pytest.raises(PacingDeadlineExceeded) as raised:
        pacer.acquire("member", 1, clock=clock, deadline=clock.now + 30)
    assert raised.value.wait == 60.0
    assert clock.slept == [], "nothing waited"
    pacer.acquire("member", 1, clock=clock, deadline=clock.now + 60)  # a wait ending at the deadline is fine
    assert clock.slept == [60.0]


def test_pacer_follows_a_lowered_limit():
    clock, pacer = FakeClock(), RequestPacer()
    for second in range(4):
        clock.now = 1000.0 + second
        pacer.acquire("member", 4, clock=clock)
    pacer.acquire("member", 2, clock=clock)  # 4 in the window, 2 allowed: wait until the 3rd one leaves
    assert clock.slept == [59.0]


def test_pacer_clear():
    clock, pacer = FakeClock(), RequestPacer()
    pacer.acquire("a", 1, clock=clock)
    pacer.acquire("b", 1, clock=clock)
    pacer.clear("a")
    pacer.acquire("a", 1, clock=clock)
    assert clock.slept == []
    pacer.clear()
    pacer.acquire("b", 1, clock=clock)
    assert clock.slept == []


def test_pacer_is_shared_by_threads():
    """Threads of one process stay under the limit together (the system clock, a window of 0.1 s)."""
    pacer, clock = RequestPacer(window=0.1), Clock()
    done = []

    def send():
        for _i in range(3):
            pacer.acquire("member", 2, clock=clock)
            done.append(1)

    threads = [threading.Thread(target=send) for _i in range(4)]
    started = clock.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(done) == 12
    # 12 requests, 2 per window: the last two cannot start before 5 windows have passed
    assert clock.monotonic() - started >= 5 * 0.1 - 1e-3


def test_module_pacer_is_one_per_process():
    assert isinstance(dmp.DMP_PACER, RequestPacer)
    assert dmp.DMP_PACER.window == 60.0


@pytest.mark.parametrize("results", [None, "garbage", {"elements": []}, 42])
def test_results_of_another_shape_refuse_every_element(results):
    answer = dmp.read_results(results, 3)
    assert answer.accepted == []
    assert [(r.index, r.answered) for r in answer.refused] == [(0, False), (1, False), (2, False)]


def test_refusal_message_is_text_whatever_linkedin_sends():
    answer = dmp.read_results(
        [{"status": 400, "error": {"message": {"nested": 1}}}, {"status": 400, "message": [1]}], 2
    )
    assert all(isinstance(refusal.message, str) for refusal in answer.refused)
