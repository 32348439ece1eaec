"""pytest plugin used by `make test` (-p tests.notebook_times): total time per notebook.

nbval reports one test per cell; this sums setup + call + teardown of a notebook's cells
(kernel start included) and prints one line per notebook at the end of the run.
"""
from collections import defaultdict

_totals: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _totals[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _totals:
        return
    terminalreporter.write_sep("=", "notebook execution time (nbval, fresh kernel each)")
    for path, seconds in sorted(_totals.items()):
        terminalreporter.write_line(f"{seconds:8.1f}s  {path}")
