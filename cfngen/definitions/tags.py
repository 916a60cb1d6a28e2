"""Tags: `Stack(..., tags={...})` on every taggable resource and on the stack itself, `tags=` on a function.

AWS's rules for a tag, the same for every service cfngen tags (and cfn-lint's schemas): a key of 1 to 128 and a
value of 0 to 256 Unicode letters, digits, spaces and `_ . : / = + - @`; a key starting with `aws:` (in any case)
is AWS's own and refused; at most 50 tags on one resource, counting those cfngen adds itself (`OWN_TAGS`, none
today). A function's tags are added to the stack's (a function's own wins on the same key), so the limit is
checked on the union. Tags are kept sorted by key, so templates stay deterministic.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from cfngen.definitions.checks import Where

KEY_MAX = 128
VALUE_MAX = 256
PER_RESOURCE = 50  # AWS's limit of user tags on one resource (and on a stack)
OWN_TAGS: dict[str, str] = {}  # tags cfngen itself puts on every resource (they count towards the 50)
_PUNCTUATION = set("_.:/=+-@")
ALLOWED = f"Unicode letters, digits, spaces and {' '.join(sorted(_PUNCTUATION))}"


def _bad_character(text: str) -> str | None:
    for ch in text:
        if ch not in _PUNCTUATION and unicodedata.category(ch)[0] not in "LNZ":
            return ch
    return None


def problem(key: object, value: object) -> str | None:
    """What is wrong with one tag by AWS's rules, or None."""
    if not isinstance(key, str) or not 1 <= len(key) <= KEY_MAX:
        return f"key {key!r} is not allowed; allowed: a string of 1 to {KEY_MAX} characters"
    if key.lower().startswith("aws:"):
        return f"key {key!r} starts with 'aws:', which AWS reserves for its own tags; allowed: any other key"
    if (ch := _bad_character(key)) is not None:
        return f"key {key!r} has the character {ch!r}; allowed: {ALLOWED}"
    if not isinstance(value, str) or len(value) > VALUE_MAX:
        return f"value of {key!r} is {value!r}; allowed: a string of 0 to {VALUE_MAX} characters"
    if (ch := _bad_character(value)) is not None:
        return f"value of {key!r} ({value!r}) has the character {ch!r}; allowed: {ALLOWED}"
    return None


def check_tags(w: Where, fld: str, tags: object, *, inherited: Mapping[str, str] | None = None) -> dict[str, str]:
    """`tags` as a dict sorted by key, each tag by AWS's rules; with the `inherited` ones (the stack's) and
    cfngen's own, at most 50 on one resource."""
    if not isinstance(tags, Mapping):
        raise w.fail(fld, f"{tags!r} is not allowed; allowed: a dict of tag key to value (strings)")
    for key, value in tags.items():
        if (found := problem(key, value)) is not None:
            raise w.fail(fld, found)
    own = {**OWN_TAGS, **(inherited or {}), **tags}
    if len(own) > PER_RESOURCE:
        counted = f" (with the stack's {len(inherited)})" if inherited else ""
        raise w.fail(fld, f"{len(own)} tags on one resource{counted}; allowed: at most {PER_RESOURCE}, "
                     f"counting the {len(OWN_TAGS)} cfngen adds")  # fmt: skip
    return {k: tags[k] for k in sorted(tags)}
