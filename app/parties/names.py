"""Party names and unified social credit codes: normalising and validating."""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

from app.core.errors import ValidationFailed


def name_key(name: str) -> str:
    """A party name normalised for matching: NFKC (full-width → half-width), no spaces, case-folded."""
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()[:120]


def clean_credit_code(value: str | None) -> str | None:
    """A unified social credit code (GB 32100-2015) with its check digit verified; None when blank."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    if not value:
        return None
    try:
        return uscc.validate(value)
    except stdnum_errors.InvalidChecksum:
        raise ValidationFailed(_l("The check digit of this unified social credit code is wrong; please check "
                                  "the code."), code="credit_code_checksum",
                               details={"fields": {"credit_code": ["checksum"]}}) from None
    except stdnum_errors.ValidationError:
        raise ValidationFailed(_l("A unified social credit code has 18 characters: digits and capital "
                                  "letters (not I, O, Z, S, V)."), code="credit_code_invalid",
                               details={"fields": {"credit_code": ["format"]}}) from None
