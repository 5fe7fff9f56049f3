"""Formatted tables: numbers formatted, text escaped, same table → same HTML."""

import pandas as pd

from kamlib.display import tables


def test_formats_money_percent_scores_and_escapes_text():
    frame = pd.DataFrame({"name": ["<script>alert(1)</script>"], "revenue": [2_650_000.0], "share": [0.2819],
                          "score": [3.8], "mixed": ["key_account"]})
    html = tables.styled(frame, money=("revenue",), percent=("share",), score=("score",), number=("mixed",),
                         currency="GBP").to_html()
    assert "revenue (GBP)" in html and "2,650,000" in html and "28%" in html and "3.80" in html and "key account" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_number_format_trims_zeros():
    frame = pd.DataFrame({"a": [3.0, 3.5, 3.25, None]})
    html = tables.styled(frame, number=("a",)).to_html()
    assert ">3<" in html and ">3.5<" in html and ">3.25<" in html


def test_same_table_gives_same_html():
    frame = pd.DataFrame({"x": [1, 2]})
    assert tables.styled(frame).to_html() == tables.styled(frame.copy()).to_html()


def test_booleans_read_as_yes_no_and_headers_lose_underscores():
    html = tables.styled(pd.DataFrame({"is_overdue": [True, False]})).to_html()
    assert "is overdue" in html and ">yes<" in html and ">no<" in html


def test_plain_text_form_is_the_table_not_a_memory_address():
    text = repr(tables.styled(pd.DataFrame({"x": [1, 2]})))
    assert "0x" not in text and "x" in text and "2" in text


def test_targets_show_each_measure_in_its_unit_and_name_the_latest_year():
    table = pd.DataFrame({"year": [2027, 2027], "measure": ["revenue", "share_of_wallet"],
                          "label": ["revenue", "share of wallet"], "target": [3_400_000.0, 0.34],
                          "latest": [2_930_000.0, 0.2990], "gap": [470_000.0, 0.0410], "latest_year": [2026, 2026],
                          "latest_forecast": [True, True], "latest_label": ["2026 (forecast)", "2026 (forecast)"]})
    html = tables.targets_against_latest(table, "GBP").to_html()
    # share gap 0.34 − 0.299 = 0.041: 4.1 percentage points, not "4%" of something
    for shown in ("revenue (GBP)", "3,400,000", "2,930,000", "+470,000", "34%", "30%", "+4.1 pts",
                  "latest, 2026 (forecast)", "gap (target − latest)"):
        assert shown in html, shown
    ahead = tables.targets_against_latest(table.assign(gap=[-800_000.0, None]), "GBP").to_html()
    assert "−800,000" in ahead and "unknown" in ahead


def test_keys_in_text_columns_read_as_words_but_sentences_and_numbers_stay_as_written():
    frame = pd.DataFrame({"status": ["in_progress", "done"], "ladder": ["strategic_partner", None],
                          "criterion": ["ease_of_doing_business", "price"],
                          "note": ["see file plan_v2.xlsx", "Head of R_D"], "mixed": ["a_b", 3.5]})
    html = tables.styled(frame).to_html()
    for shown in (">in progress<", ">strategic partner<", ">ease of doing business<", ">see file plan_v2.xlsx<",
                  ">Head of R_D<"):
        assert shown in html, shown
    assert "in_progress" not in html and "strategic_partner" not in html
    # a column mixing text and numbers keeps pandas' own formatting (and its keys as written)
    assert ">a_b<" in html


def test_scores_keep_at_most_two_decimals_without_trailing_zeros():
    html = tables.styled(pd.DataFrame({"s": [3.456, 4.0]}), number=("s",)).to_html()
    assert ">3.46<" in html and ">4<" in html


def test_negative_numbers_carry_a_true_minus_sign():
    frame = pd.DataFrame({"gap": [-1.0, 2.0], "weighted": [-0.3, 0.4], "profit": [-131_500.0, 5.0], "share": [-0.05, 0.1]})
    html = tables.styled(frame, number=("gap",), score=("weighted",), money=("profit",), percent=("share",)).to_html()
    for shown in (">−1<", ">2<", ">−0.30<", ">0.40<", ">−131,500<", ">−5%<"):
        assert shown in html, shown
    assert ">-" not in html


def test_a_small_table_is_kept_on_one_printed_page_and_a_long_one_may_break():
    small = tables.styled(pd.DataFrame({"id": range(tables.SMALL_TABLE)})).to_html()
    long = tables.styled(pd.DataFrame({"id": range(tables.SMALL_TABLE + 1)})).to_html()
    assert 'class="kam-table keep"' in small
    assert 'class="kam-table"' in long and "keep" not in long
    wordy = tables.styled(pd.DataFrame({"text": ["word " * 25] * 6})).to_html()   # 6 rows, 750 characters
    assert "keep" not in wordy
