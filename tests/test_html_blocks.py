"""HTML-to-blocks: small cases for each rule, and the real pages' bodies."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from scrapers.parsers.pravda.base import AD_CONTAINERS
from transforms.blocks import Heading, ListBlock, Paragraph
from transforms.html_blocks import html_to_blocks, node_to_blocks

REAL = Path(__file__).resolve().parent / "fixtures" / "pravda" / "real"


def test_paragraphs_become_paragraphs_in_order() -> None:
    assert html_to_blocks("<p>One.</p><p>Two.</p>") == [Paragraph("One."), Paragraph("Two.")]


def test_inline_markup_is_dropped_and_its_text_kept() -> None:
    html = '<p><span>A</span> <a href="/x">linked <em>word</em></a>, <i>then</i> more.</p>'
    assert html_to_blocks(html) == [Paragraph("A linked word, then more.")]


@pytest.mark.parametrize("tag", ["ul", "ol"])
def test_a_list_has_one_item_per_li(tag: str) -> None:
    html = f"<{tag}><li>first <b>item</b></li>\n<li>\n  second\n</li></{tag}>"
    assert html_to_blocks(html) == [ListBlock(("first item", "second"))]


def test_nested_list_items_follow_their_parent_item() -> None:
    html = "<ul><li>a<ul><li>a.1</li><li>a.2</li></ul></li><li>b</li></ul>"
    assert html_to_blocks(html) == [ListBlock(("a", "a.1", "a.2", "b"))]


def test_paragraphs_inside_an_item_are_separated_by_a_space() -> None:
    assert html_to_blocks("<ul><li><p>one</p><p>two</p></li></ul>") == [ListBlock(("one two",))]


@pytest.mark.parametrize("tag", ["h2", "h3", "h4"])
def test_h2_to_h4_become_headings(tag: str) -> None:
    assert html_to_blocks(f"<{tag}> Criminal <span>cases</span> </{tag}><p>x</p>") == [
        Heading("Criminal cases"),
        Paragraph("x"),
    ]


def test_a_bold_only_paragraph_is_a_heading_without_its_trailing_colon() -> None:
    html = "<p><strong>Background:</strong></p><ul><li>x</li></ul><p> <b>Quote</b> <b>end</b> </p><p>y</p>"
    assert html_to_blocks(html) == [
        Heading("Background"),
        ListBlock(("x",)),
        Heading("Quote end"),
        Paragraph("y"),
    ]


def test_a_bold_only_paragraph_that_ends_the_body_stays_a_paragraph() -> None:
    # A signature ("Names of the authors") introduces nothing, so it is not a heading.
    html = "<p>Text.</p><p><strong><em>Author One, Author Two:</em></strong></p>"
    assert html_to_blocks(html) == [Paragraph("Text."), Paragraph("Author One, Author Two:")]


def test_a_paragraph_with_a_bold_label_and_plain_text_stays_a_paragraph() -> None:
    html = "<p><strong>Source:</strong> the ministry</p>"
    assert html_to_blocks(html) == [Paragraph("Source: the ministry")]


def test_br_is_a_space() -> None:
    assert html_to_blocks("<p>line one<br>line two<br/>three</p>") == [Paragraph("line one line two three")]


def test_non_text_elements_are_removed() -> None:
    html = (
        "<p>kept<script>var x = 1;</script><style>p {}</style></p>"
        "<figure><img src=a.jpg><figcaption>A caption</figcaption></figure>"
        '<iframe src="https://video.example/embed"></iframe><img src=b.jpg alt="alt text">'
        "<p>also kept</p>"
    )
    assert html_to_blocks(html) == [Paragraph("kept"), Paragraph("also kept")]


def test_a_sites_ad_containers_are_removed_when_its_parser_names_them() -> None:
    html = (
        "<p>one</p><div class='advtext_mob'>Advertisement:</div>"
        "<div class='nts-ad nts-ad-h280'><div>ad text</div></div>"
        "<div class='nts-video-wrapper'><div>video promo</div></div><p>two</p>"
        "<ins class='adsbygoogle'>google ad</ins>"
    )
    assert html_to_blocks(html, remove=AD_CONTAINERS) == [Paragraph("one"), Paragraph("two")]
    # Site-neutral rules know only what is an ad on every site; Pravda's classes are the Pravda parser's.
    assert Paragraph("ad text") in html_to_blocks(html)
    assert Paragraph("google ad") not in html_to_blocks(html)


def test_extra_selectors_remove_more() -> None:
    html = "<p>one</p><div class='image-box'><p>caption</p><p>Photo: agency</p></div><p>two</p>"
    assert html_to_blocks(html) == [
        Paragraph("one"),
        Paragraph("caption"),
        Paragraph("Photo: agency"),
        Paragraph("two"),
    ]
    assert html_to_blocks(html, remove=["div.image-box"]) == [Paragraph("one"), Paragraph("two")]


def test_entities_are_decoded() -> None:
    html = "<p>&ldquo;Quote&rdquo; &amp; Co &mdash; &euro;2.4&#8239;bn &#x2019;s&#8201;end</p>"
    # U+202F (narrow no-break space) is kept; U+2009 (thin space) is ordinary whitespace.
    assert html_to_blocks(html) == [Paragraph("“Quote” & Co — €2.4\u202fbn ’s end")]


def test_no_break_spaces_survive_and_ordinary_whitespace_collapses() -> None:
    html = "<p>\n\t30 countries &ndash;&nbsp;more\u00a0than   expected\u2003 here \n</p>"
    assert html_to_blocks(html) == [Paragraph("30 countries –\u00a0more\u00a0than expected here")]


def test_empty_blocks_are_dropped() -> None:
    html = (
        "<p> </p><p><span>&#32;</span></p><ul><li> </li><li>&nbsp;</li></ul><h2></h2>"
        "<p><strong> </strong></p><p>&nbsp;</p><p><strong>&nbsp;</strong></p><p>x</p>"
    )
    assert html_to_blocks(html) == [Paragraph("x")]


def test_loose_text_in_a_container_becomes_a_paragraph() -> None:
    html = "<div>loose <b>text</b><p>para</p>tail</div>"
    assert html_to_blocks(html) == [Paragraph("loose text"), Paragraph("para"), Paragraph("tail")]


def test_blockquote_paragraphs_are_kept() -> None:
    html = "<blockquote><p>Quoted one.</p><p>Quoted two.</p></blockquote>"
    assert html_to_blocks(html) == [Paragraph("Quoted one."), Paragraph("Quoted two.")]


def test_empty_input_gives_no_blocks() -> None:
    assert html_to_blocks("") == []
    assert html_to_blocks("<div><!-- only a comment --></div>") == []


def test_node_to_blocks_reads_a_node_of_a_parsed_page_and_leaves_the_page_as_it_was() -> None:
    tree = LexborHTMLParser(
        "<html><body><div id='t'><p>a<br>b</p><script>x()</script>"
        "<div class='ad'>ad</div></div></body></html>"
    )
    node = tree.css_first("div#t")
    assert node is not None
    before = tree.html
    assert node_to_blocks(node, remove=["div.ad"]) == [Paragraph("a b")]
    assert tree.html == before  # the removals happened on a copy: another reader still sees the page
    assert node_to_blocks(node) == [Paragraph("a b"), Paragraph("ad")]


def _real_body(name: str, selector: str) -> list[Heading | Paragraph | ListBlock]:
    html = gzip.decompress((REAL / name).read_bytes()).decode("utf-8")
    node = LexborHTMLParser(html).css_first(selector)
    assert node is not None
    return node_to_blocks(node, remove=["div.image-box", *AD_CONTAINERS])


def test_real_news_page_body() -> None:
    blocks = _real_body("epravda_2025_10_24.html.gz", "div.post_news_text")
    assert blocks[0] == Paragraph(
        "Міністерство цифрової трансформації України та державне агентство з контролю за гральним та "
        "лотерейним бізнесом PlayCity вперше встановлять ліміти для гравців в азартні ігри."
    )
    assert blocks[4] == ListBlock(
        (
            "фінансові ліміти — визначають, яку частку місячного доходу гравець може витратити "
            "на азартні ігри;",
            "часові ліміти — тривалість участі в азартних іграх;",
            "максимальний безперервний час гри та тривалість обов'язкової перерви.",
        )
    )
    assert blocks[6] == Heading("Нагадаємо")
    assert len(blocks) == 8


def test_real_long_form_body_drops_ads_and_photos_and_keeps_headings() -> None:
    blocks = _real_body("pravda_rus_articles_2026_01_08.html.gz", "div.post_article_text")
    texts = [b.text for b in blocks if not isinstance(b, ListBlock)]
    assert not any("Реклама" in text or "DEJURE" == text for text in texts)
    assert not any(text.startswith("Источник:") for text in texts)  # the photo credits
    headings = [b.text for b in blocks if isinstance(b, Heading)]
    assert headings[:4] == [
        "Уголовные дела",
        "Кого уже уволили, и как уволить других",
        "Возможен реванш ОАСК через Верховный Суд",
        "Новые админсуды вместо ОАСК: шанс, который нельзя упустить",
    ]
    assert blocks[3] == Paragraph(
        "Самого Вовка уволили только в 2025 году, но он имеет серьезные шансы вернуться на должность "
        "благодаря решению Верховного Суда. Более 40 других судей ОАСК до сих пор имеют свои судейские "
        "статусы и получают немалое вознаграждение. Некоторые стремятся сбежать в почетную отставку с "
        "немалыми пожизненными выплатами, сохраняют свое влияние на систему или ожидают удачного момента, "
        "когда смогут вернуться к принятию решений."
    )


def test_blocks_inside_paragraphs_and_inline_elements_start_blocks_of_their_own() -> None:
    # Without a doctype a table does not close the open paragraph (quirks mode): it is still a block.
    assert html_to_blocks("<p>before<table><tr><td>cell</td></tr></table>after</p>") == [
        Paragraph("before"),
        Paragraph("cell"),
        Paragraph("after"),
    ]
    assert html_to_blocks("<div>a<span>b<div>c</div>d</span>e</div>") == [
        Paragraph("ab"),
        Paragraph("c"),
        Paragraph("de"),
    ]
