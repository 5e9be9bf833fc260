"""Settings: what a set value is checked against, and what the defaults are trusted for."""

from __future__ import annotations

import pytest
from limits import parse
from pydantic import ValidationError

from idmqa.settings import Settings

RATE_LIMITS = ("rate_limit", "public_rate_limit", "key_rate_limit", "auth_failure_limit")


@pytest.mark.parametrize("name", RATE_LIMITS)
def test_default_rate_limits_are_valid(name: str) -> None:
    # Settings takes its defaults as valid without importing `limits` (20–50 ms per process).
    default = Settings.model_fields[name].default
    assert not default or parse(default)


@pytest.mark.parametrize("name", RATE_LIMITS)
def test_a_rate_limit_that_is_set_is_checked(name: str) -> None:
    assert getattr(Settings(**{name: " 5/second "}), name) == "5/second"
    with pytest.raises(ValidationError, match="not a rate limit"):
        Settings(**{name: "often"})
