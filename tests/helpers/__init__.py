"""Test doubles and local servers shared by the unit and end-to-end suites."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_fa119bf131a3472f.txt"  # the real seed article (Indonesian, Putin and North Korea)
