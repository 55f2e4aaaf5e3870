"""The kinds of place an episode inspects: one vocabulary for topics (polls) and episodes.

Below both so that neither area takes the other's words: a topic proposes a place, the episode
decided from it visits one.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PLACE_KINDS = ("canteen", "factory", "residential", "market", "construction", "street", "other")

PLACE_LABELS = {
    "canteen": _l("Canteen"), "factory": _l("Factory or industrial park"), "residential": _l("Residential compound"),
    "market": _l("Market or shop"), "construction": _l("Construction site"), "street": _l("Street"),
    "other": _l("Other"),
}
