"""Pinyin search keys for Chinese names (张三 → `zhangsan`, `zs`)."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


# Names repeat a great deal (a village shares a handful of surnames and many given names):
# an import of a million people asks pypinyin for far fewer distinct names.
@lru_cache(maxsize=200_000)
def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials, lower case, without tones or spaces."""
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
    full = "".join(syllables).lower()
    initials = "".join(s[0] for s in syllables if s).lower()
    return full, initials
