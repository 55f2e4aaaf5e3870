"""Validation messages name the field in the user's language, while codes stay stable."""
from __future__ import annotations

import pytest

from app.core.errors import ValidationFailed
from app.polls.services import clean_text


@pytest.mark.parametrize("lang, word", [("zh", "标题"), ("en", "title")])
def test_an_empty_title_is_named_in_the_users_language(app, lang, word):
    with app.test_request_context(f"/?lang={lang}"):
        with pytest.raises(ValidationFailed) as refused:
            clean_text("  ", field="title", max_len=80)
        assert refused.value.code == "title_required"
        assert word in str(refused.value.message)
