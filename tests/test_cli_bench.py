"""tools/bench_annotate.py: the rows it returns, on a small log (the README's figures come from
`python -m onenetlog_tools.bench_annotate` at 1,000,000 lines)."""

from onenetlog_tools.bench_annotate import MIX, WORST, bench_annotate


def test_rows_compare_annotate_with_the_copy_loop_on_the_same_logs():
    rows = bench_annotate(lines=4000)
    assert [(r["log"], r["what"]) for r in rows] == [
        ("console mix", "python line-copy loop"), ("console mix", "onenetlog annotate"),
        ("every line needs text", "python line-copy loop"), ("every line needs text", "onenetlog annotate")]
    # One line in ten of MIX needs text from the host; every line of WORST does.
    assert len(MIX) == 20 and rows[1]["annotated"] == 400 and rows[3]["annotated"] == 4000
    for copy, ann in (rows[0:2], rows[2:4]):
        assert copy["MB"] == ann["MB"] > 0 and copy["% of copy loop"] == 100.0
        assert abs(ann["% of copy loop"] - 100 * ann["MB/s"] / copy["MB/s"]) < 1
    assert len(WORST) == 4
