"""The summary's sentence-length figures (helpers.report.readability)."""

from helpers.report.readability import main, sentence_stats, sentences, summary_text

PAGE = """<html><body>
<h1>Report title</h1><p>Not the summary. At all.</p>
<h1 id="s">Summary: did it hold?</h1>
<p>The gap is 0.05 wide. It holds for M = 50.</p>
<table><tr><td>A table row is not a sentence. Nor this.</td></tr></table>
<p class="report-label" id="figure-s-1"><em>Figure S.1</em> made by x.</p>
<ul><li>one item without a full stop</li><li>Another item.</li></ul>
<h1>The datasets</h1><p>Outside the summary.</p>
</body></html>"""


def test_only_the_summarys_prose_is_read():
    text = summary_text(PAGE)
    assert "0.05 wide" in text and "one item" in text
    for absent in ("Not the summary", "table row", "made by", "Outside the summary"):
        assert absent not in text


def test_sentences_split_at_full_stops_and_line_ends_not_in_numbers():
    found = sentences(summary_text(PAGE))
    assert found == [
        "Summary: did it hold?",
        "The gap is 0.05 wide.",
        "It holds for M = 50.",
        "one item without a full stop",
        "Another item.",
    ]
    stats = sentence_stats(summary_text(PAGE), long_words=4)
    assert stats["sentences"] == 5 and stats["longest_words"] == 6
    assert stats["median_words"] == 5.0 and stats["over_4_words"] == 3


def test_the_command_prints_one_line_per_report(tmp_path, capsys):
    report = tmp_path / "report.html"
    report.write_text(PAGE)
    assert main([str(report)]) == 0
    assert '"sentences": 5' in capsys.readouterr().out
