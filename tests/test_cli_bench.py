"""tools/bench_annotate.py and tools/bench_logger.py: the rows they return, on small runs (the
README's figures come from `make bench`: 1,000,000 lines, 20,000 calls per timing)."""

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


def test_logger_rows_set_each_figure_beside_a_baseline_of_the_same_run():
    from onenetlog_tools.bench_logger import bench_logger
    from test_logger_device import IMPORT_BUDGET

    rows = bench_logger(n=300)
    assert len(rows) == 15 and all(len(r) == 4 for r in rows)
    timed = [r for r in rows if "instructions" not in r[0]][:9]
    for what, fig, base, base_fig in timed:
        assert float(fig) > 0 and float(base_fig) > 0 and base, what
    assert "print()" in rows[0][2] and "logging.warning()" in rows[2][2]
    assert "freeze build" in rows[3][0] and "instructions" in rows[4][0] and "cache=512" in rows[6][0]
    for what, fig, base, base_fig in rows[4:6]:  # callgrind's counts, where valgrind is installed
        assert fig == base_fig == "-" or fig > 0 and base_fig > 0, (what, fig, base_fig)
    imported, logger = rows[12], rows[13]
    assert "import heap" in imported[0] and 0 < int(imported[1]) <= IMPORT_BUDGET
    assert "heap B of a Logger" in logger[0] and 0 < int(logger[1]) < int(logger[3])
    assert rows[-1][1] == "0"  # 100,000 lines leave the heap flat
