"""The curation loop's tests, on `kb/`: a small knowledge folder frozen for them."""

from pathlib import Path

TEST_KB = Path(__file__).with_name("kb")
