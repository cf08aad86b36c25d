"""``parley bench scale``'s options: sizes as a comma-separated list, refused when not counts."""

from __future__ import annotations

import pytest

from cli.main import build_parser


def test_sizes_quick_and_memory_guard_parse() -> None:
    args = build_parser().parse_args(
        ["bench", "scale", "--sizes", "10_000,2000", "--quick", "--max-rss-mb", "900"]
    )
    assert (args.what, args.sizes, args.quick, args.max_rss_mb) == ("scale", (10_000, 2000), True, 900.0)
    assert build_parser().parse_args(["bench", "scale"]).sizes == (10_000, 100_000, 1_000_000)


@pytest.mark.parametrize("sizes", ["ten", "5", ""])
def test_sizes_that_are_not_item_counts_are_refused(sizes: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "scale", "--sizes", sizes])
    assert "--sizes" in capsys.readouterr().err
