"""Follow-up questions in the library: which questions lean on an earlier exchange, and how they are asked."""

from __future__ import annotations

import pytest

from bot.conversations import exchange_of
from bot.service import QuoteService
from index import Context, Exchange, reads_as_follow_up
from index.answering.follow_up import favour, in_context
from index.answering.search import Hit

YONHAP = "Siapa CEO Kantor Berita Yonhap?"
BLAME = "Siapa yang disalahkan Putin atas kebuntuan negosiasi nuklir?"
EARLIER = Exchange(YONHAP, YONHAP, ("000_fa119bf131a3472f",), ("000_fa119bf131a3472f#2",), "Cho Sung-boo")


@pytest.mark.parametrize(
    "question",
    [
        "kantornya di mana?",  # -nya on a short question
        "dia ngomong apa ke Putin?",  # a third-person pronoun
        "Apa maksud pernyataan tersebut?",
        "kenapa?",  # only question words
        "sejak kapan?",
        "dan AS?",  # a continuation
        "Bagaimana dengan China?",
        "siapa lagi?",
        "apa itu?",
        "and who else was there?",
        "what about China?",
        "why?",
        "where?",
        "What did he say to Putin?",
        "What does that mean?",
        "Was Japan there?",
    ],
)
def test_questions_that_lean_on_the_exchange_before_read_as_follow_ups(question: str) -> None:
    assert reads_as_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        BLAME,
        "Di mana forum ekonomi tahunan itu diadakan?",  # "itu" after a subject it names itself
        "Apa itu KTT Hanoi?",  # asks what something is
        "Di mana kantornya Yonhap?",  # its "-nya" is Yonhap's, named in the question
        "Kapan KTT Hanoi itu runtuh?",
        "Berapa negara yang kepala kantor beritanya hadir dalam sesi virtual?",  # -nya in a long question
        "Bagaimana cara membuat rendang padang yang empuk?",
        "Who did Putin blame for the deadlock in the nuclear negotiations?",
        "Is there a deal between Pyongyang and Washington?",  # "there" that asks whether one exists
        "What is the capital of Australia?",
        "tahun berapa?",  # elliptic, but no pronoun: only a reply makes it a follow-up
    ],
)
def test_self_contained_questions_do_not(question: str) -> None:
    assert not reads_as_follow_up(question)


@pytest.mark.parametrize(
    ("question", "elliptic"),
    [
        ("tahun berapa?", True),
        ("Siapa yang hadir?", True),
        ("Kapan KTT Hanoi runtuh?", False),  # names its subject
        ("Bagaimana cara membuat rendang padang yang empuk?", False),  # short, but a question of its own
    ],
)
def test_a_reply_is_a_follow_up_when_one_word_naming_nothing_is_left(question: str, elliptic: bool) -> None:
    assert reads_as_follow_up(question, replying=True) is elliptic


def test_a_follow_up_is_asked_with_the_earlier_words_and_answer() -> None:
    assert (
        in_context("kantornya di mana?", Context(EARLIER)) == "kantornya di mana? CEO Kantor Berita Yonhap Cho Sung-boo"
    )


def test_a_quoted_fragment_takes_the_place_of_the_earlier_answer() -> None:
    understood = in_context("maksudnya apa?", Context(EARLIER, quoted="Kantor Berita Yonhap di Seoul"))
    assert understood.endswith("Kantor Berita Yonhap di Seoul") and "Cho Sung-boo" not in understood


def test_asking_for_something_else_leaves_the_earlier_answer_and_its_passage_out(service: QuoteService) -> None:
    question = "siapa lagi?"
    assert "Cho Sung-boo" not in in_context(question, Context(EARLIER))
    hits = service.answerer.searcher.search(in_context(question, Context(EARLIER)), 10).hits
    kept = favour(hits, question, Context(EARLIER), 5)
    assert "000_fa119bf131a3472f#2" not in [hit.passage.id for hit in kept]
    assert [hit.rank for hit in kept] == [1, 2, 3, 4, 5]


def test_the_cited_passages_are_nudged_ahead_of_close_ones_only(service: QuoteService) -> None:
    p1, p2, p3 = service.stored.passages([1, 2, 3]).values()
    hits = [Hit(1, p1, 0.9, 0.8, 1.0), Hit(2, p2, 0.87, 0.8, 0.9), Hit(3, p3, 0.5, 0.7, 0.4)]
    other = Exchange("x", "x", ("another-article",))
    assert [hit.passage.id for hit in favour(hits, "itu?", Context(other), 3)] == [p1.id, p2.id, p3.id]
    cited = Exchange("x", "x", (p2.article_id,), (p2.id, p3.id))
    ranked = favour(hits, "itu?", Context(cited), 3)
    assert [hit.passage.id for hit in ranked] == [p2.id, p1.id, p3.id]  # 0.5 stays behind 0.9
    assert [hit.rank for hit in ranked] == [1, 2, 3]


def test_a_follow_up_quotes_what_the_question_means_in_its_context(service: QuoteService) -> None:
    earlier = exchange_of(service.ask(YONHAP))
    alone = service.ask("kantornya di mana?")
    follow_up = service.ask_in_context("kantornya di mana?", Context(earlier))
    assert "Kantor Berita Yonhap di Seoul" in follow_up.citations[0].quote
    assert "Kantor Berita Yonhap di Seoul" not in alone.citations[0].quote  # alone, another paragraph
    assert follow_up.follow_up_of == YONHAP and follow_up.question == "kantornya di mana?"
    assert alone.follow_up_of is None


@pytest.mark.parametrize("replying", [True, False])
def test_a_self_contained_question_gets_the_answer_it_gets_alone(service: QuoteService, replying: bool) -> None:
    earlier = exchange_of(service.ask(YONHAP))
    after = service.ask_in_context(BLAME, Context(earlier, replying=replying))
    assert after == service.ask(BLAME) and after.follow_up_of is None


def test_a_chain_of_follow_ups_keeps_its_subject(service: QuoteService) -> None:
    first = exchange_of(service.ask(YONHAP))
    second = service.ask_in_context("kantornya di mana?", Context(first))
    third = service.ask_in_context("dia ngomong apa ke Putin?", Context(exchange_of(second)))
    assert third.follow_up_of == "kantornya di mana?"
    assert third.follow_up is not None and "Kantor Berita Yonhap" in third.follow_up.understood
