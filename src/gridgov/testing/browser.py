"""Helpers for the browser journeys (tests/e2e)."""

PHONE_WIDTH = 360  # CSS pixels: a small Android phone


def fits_the_phone(page) -> None:
    """The page does not scroll sideways on a phone-sized viewport."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways: {width} px wide"
