"""Near-duplicate clustering on constructed copies of one story, and on different stories of the same day."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from transforms.near_duplicates import (
    BANDS,
    THRESHOLD,
    StoryCluster,
    band_keys,
    cluster_signatures,
    cluster_stories,
    jaccard,
    shingles,
    signature,
    signature_bytes,
    signature_from_bytes,
    signatures,
    similarity,
    story_id_for,
)

HEADLINE = "Russia attacks Kyiv with drones overnight, air defence downs most of them"
PARAGRAPHS = [
    "Russian forces launched a large-scale drone attack on Kyiv overnight, the head of the city's military "
    "administration said on Saturday morning, adding that air defence units had been working for hours.",
    "According to preliminary information, more than forty attack drones were shot down over the capital "
    "and the surrounding region, while debris fell on several districts on the left bank of the Dnipro.",
    "Emergency services said a fire broke out on the roof of a residential building in the Darnytskyi "
    "district after debris struck it; firefighters contained the blaze within an hour.",
    "No casualties were reported in Kyiv, although two people in the surrounding region sought medical "
    "help after the windows of their house were blown out by a blast wave.",
    "The air force said the drones were launched from the Bryansk and Kursk regions as well as from "
    "occupied Crimea, and that mobile fire groups were involved in repelling the attack.",
    "It was the third large attack on the capital this month, and officials urged residents to stay in "
    "shelters whenever an air raid alert is announced, even late at night.",
]

OTHER_STORIES = {
    # Same day, same city, same vocabulary of war news, but a different story each.
    "https://other.example/economy": "Ukraine's central bank kept its key interest rate unchanged on "
    "Thursday, citing slowing inflation and steady foreign aid, and said it expects the hryvnia to "
    "remain stable through the winter despite the pressure of energy imports.",
    "https://other.example/football": "Shakhtar Donetsk beat Dynamo Kyiv two to one in Lviv on Sunday, "
    "with a late header deciding a tense match that was interrupted for forty minutes by an air raid "
    "alert, after which both teams returned to the pitch to finish the game.",
    "https://other.example/energy": "Kyiv's power grid operator announced scheduled outages for the "
    "left bank districts after repeated attacks on energy facilities, asking residents to limit the use "
    "of heaters and washing machines during the evening peak hours.",
}


def story(headline: str, paragraphs: list[str]) -> str:
    return "\n\n".join([headline, *paragraphs])


ORIGINAL = story(HEADLINE, PARAGRAPHS)
COPIES = {
    "https://repost.example/edited-headline": story(
        "Kyiv hit by massive overnight drone attack — most drones downed", PARAGRAPHS
    ),
    "https://repost.example/trimmed": story(HEADLINE, PARAGRAPHS[:-1]),
    "https://repost.example/promo": story(
        HEADLINE,
        [*PARAGRAPHS, "Follow us on Telegram and support independent journalism: become our patron today!"],
    ),
    "https://repost.example/typography": story(
        HEADLINE.replace("Kyiv", "KYIV"), [p.replace("'", "\u2019").replace(" ", "  ") for p in PARAGRAPHS]
    ),
}
ORIGINAL_URL = "https://news.example/2024/05/04/kyiv-drones"


@pytest.mark.parametrize("url", sorted(COPIES))
def test_each_near_copy_is_well_above_the_threshold(url: str) -> None:
    # The margins that justify the threshold (see transforms/near_duplicates.py).
    assert similarity(ORIGINAL, COPIES[url]) >= THRESHOLD + 0.2


@pytest.mark.parametrize("url", sorted(OTHER_STORIES))
def test_different_stories_are_far_below_the_threshold(url: str) -> None:
    assert similarity(ORIGINAL, OTHER_STORIES[url]) < 0.1


def test_near_copies_cluster_and_other_stories_stay_apart() -> None:
    documents = [(ORIGINAL_URL, ORIGINAL), *COPIES.items(), *OTHER_STORIES.items()]
    clusters = cluster_stories(documents)
    by_url = {url: cluster for cluster in clusters for url in cluster.urls}
    assert sorted(by_url) == sorted(url for url, _ in documents)  # every URL in exactly one cluster
    assert sum(len(c.urls) for c in clusters) == len(documents)
    story_cluster = by_url[ORIGINAL_URL]
    assert set(story_cluster.urls) == {ORIGINAL_URL, *COPIES}
    for url in OTHER_STORIES:
        assert by_url[url].urls == (url,)
    assert len(clusters) == 1 + len(OTHER_STORIES)


def test_story_id_is_stable_across_runs_and_input_order() -> None:
    documents = [(ORIGINAL_URL, ORIGINAL), *COPIES.items(), *OTHER_STORIES.items()]
    first = cluster_stories(documents)
    second = cluster_stories(list(reversed(documents)))
    assert first == second
    smallest = min([ORIGINAL_URL, *COPIES])
    assert StoryCluster(story_id_for(smallest), tuple(sorted([ORIGINAL_URL, *COPIES]))) in first


def test_existing_story_ids_are_kept_when_new_copies_join() -> None:
    existing = {ORIGINAL_URL: "story-from-last-week", "https://other.example/energy": "energy-story"}
    clusters = cluster_stories(
        [(ORIGINAL_URL, ORIGINAL), *COPIES.items(), *OTHER_STORIES.items()], existing=existing
    )
    by_url = {url: cluster.story_id for cluster in clusters for url in cluster.urls}
    assert {by_url[url] for url in [ORIGINAL_URL, *COPIES]} == {"story-from-last-week"}
    assert by_url["https://other.example/energy"] == "energy-story"
    assert by_url["https://other.example/football"] == story_id_for("https://other.example/football")


def test_texts_without_words_are_never_merged() -> None:
    clusters = cluster_stories(
        [("https://a.example/1", ""), ("https://a.example/2", " — "), (ORIGINAL_URL, ORIGINAL)]
    )
    assert [c.urls for c in clusters] == sorted(
        [("https://a.example/1",), ("https://a.example/2",), (ORIGINAL_URL,)],
        key=lambda u: story_id_for(u[0]),
    )


def test_shingles_ignore_case_punctuation_and_spacing() -> None:
    assert shingles("The  “Kyiv” drone—attack, overnight!") == shingles("the kyiv drone attack overnight")
    assert shingles("two words") == {"two words"}
    assert shingles(" … ") == set()


def test_bad_threshold_is_rejected() -> None:
    with pytest.raises(ValueError, match="threshold=1.5"):
        cluster_stories([(ORIGINAL_URL, ORIGINAL)], threshold=1.5)


FUNDUS = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "fundus"


def test_real_articles_cluster_only_where_they_are_the_same_story() -> None:
    # 258 real articles from 181 publishers: different stories must stay apart, and the one article stored
    # twice (Taz, crawled for two parser versions, with a different lead paragraph) must come together.
    if not FUNDUS.is_dir():
        pytest.fail(f"{FUNDUS}: the fundus fixtures (../shared/fixtures/fundus) are missing")
    documents = []
    for expected_file in sorted(FUNDUS.glob("*/*.json")):
        for version, expected in json.loads(expected_file.read_text(encoding="utf-8")).items():
            body = expected["body"]
            paragraphs = [p for section in body["sections"] for p in section["paragraphs"]]
            text = "\n\n".join([expected["title"], *body["summary"], *paragraphs])
            documents.append((f"{expected_file.parent.name}/{expected_file.stem}#{version}", text))
    assert len(documents) == 258
    clusters = cluster_stories(documents)
    assert [c.urls for c in clusters if len(c.urls) > 1] == [("de/Taz#V1", "de/Taz#V2")]
    assert len(clusters) == 257


def test_batched_signatures_equal_one_by_one_and_estimate_the_jaccard_similarity() -> None:
    # A signature depends on its text only (not on the batch, the process or the worker count), texts
    # without words have none, and the estimate is close to the exact similarity.
    texts = [ORIGINAL, "", "two words", " … ", *OTHER_STORIES.values(), "one two three four five " * 900, ""]
    batched = signatures(texts)
    assert len(batched) == len(texts)
    for text, batch_signature in zip(texts, batched, strict=True):
        single = signature(text)
        if not shingles(text):
            assert batch_signature is None and single is None, text
            continue
        assert batch_signature is not None and single is not None
        assert batch_signature.tolist() == single.tolist(), text[:40]
        assert signature_from_bytes(signature_bytes(single)).tolist() == single.tolist()
        assert len(band_keys(single)) == BANDS
    for url, copy in COPIES.items():
        first, second = signature(ORIGINAL), signature(copy)
        assert first is not None and second is not None
        assert abs(jaccard(first, second) - similarity(ORIGINAL, copy)) < 0.15, url
    assert signatures([]) == []


def test_a_window_cuts_a_chain_of_copies_into_stories_that_span_at_most_the_window() -> None:
    # The same text every two days for ten days: linked pairwise, but no story may span more than three
    # days, and copies further apart than the window are never linked.
    from datetime import UTC, datetime, timedelta

    start = datetime(2024, 1, 1, tzinfo=UTC)
    urls = [f"https://a.example/{day:02d}" for day in range(0, 10, 2)]
    anchors = {url: start + timedelta(days=2 * i) for i, url in enumerate(urls)}
    same = signature(ORIGINAL)
    clusters = cluster_signatures(dict.fromkeys(urls, same), anchors=anchors, window=timedelta(days=3))
    assert sorted(c.urls for c in clusters) == [tuple(urls[0:2]), tuple(urls[2:4]), (urls[4],)]
    apart = cluster_signatures({urls[0]: same, urls[2]: same}, anchors=anchors, window=timedelta(days=3))
    assert len(apart) == 2
    with pytest.raises(ValueError, match="anchors and window"):
        cluster_signatures({urls[0]: same}, anchors=anchors)
