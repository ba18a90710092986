"""The partners a view watches, and how they hang together (parent, depth).

Qt-free and immutable. ``api.partners`` builds a tree by walking sub-partners; a plain list of
usernames is a tree of roots (``PartnerTree.of``). ``report.merge`` reads each partner's depth to
attribute a backup set reported by several partners to the most specific one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Partner:
    """One partner: its Echo ``username`` (what the API's paths take), the ``name`` and
    ``company`` its parent's sub-partner list gave (``None`` for a root, or when not sent),
    its ``parent``'s username (``None`` for a root) and its ``depth`` (0 for a root)."""

    username: str
    name: str | None = None
    company: str | None = None
    parent: str | None = None
    depth: int = 0


@dataclass(frozen=True, slots=True)
class PartnerTree:
    """Partners in walk order: the roots in the order given, then breadth-first, each child in
    the order its parent's list named it. Every username appears once."""

    partners: tuple[Partner, ...]
    _index: Mapping[str, Partner] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {p.username: p for p in self.partners}
        if len(index) != len(self.partners):
            raise ValueError("a partner tree lists each username once")
        object.__setattr__(self, "_index", index)

    @classmethod
    def of(cls, usernames: Iterable[str]) -> PartnerTree:
        """Roots only (no walk): each username once, blanks left out, surrounding spaces gone."""
        seen: dict[str, None] = {}
        for name in usernames:
            if name.strip():
                seen.setdefault(name.strip())
        return cls(tuple(Partner(name) for name in seen))

    @classmethod
    def build(
        cls,
        roots: Sequence[str],
        listed: Mapping[str, Sequence[Partner]],
    ) -> PartnerTree:
        """The tree from what a walk found: ``listed[u]`` are the sub-partners ``u``'s list named
        (their ``parent`` and ``depth`` are set here, whatever they hold).

        A root that turns up below another root is placed there (it is more specific than that
        root, which attribution must know); a root inside a loop of roots stays a root. Repeats
        and cycles keep the first place breadth-first order reaches.
        """
        roots = list(dict.fromkeys(roots))
        below_others: set[str] = set()
        for root in roots:
            below_others |= _descendants(root, listed) - {root}
        placed: dict[str, Partner] = {}
        # Roots below other roots are reached from those; the rest (and loops of roots) start.
        starts = [r for r in roots if r not in below_others]
        for start in [*starts, *roots]:
            if start not in placed:
                placed[start] = Partner(start)
                _place_below(start, listed, placed)
        return cls(tuple(placed.values()))

    def __len__(self) -> int:
        return len(self.partners)

    def __iter__(self) -> Iterator[Partner]:
        return iter(self.partners)

    def get(self, username: str) -> Partner | None:
        return self._index.get(username)

    @property
    def usernames(self) -> tuple[str, ...]:
        return tuple(p.username for p in self.partners)


def _descendants(root: str, listed: Mapping[str, Sequence[Partner]]) -> set[str]:
    found = {root}
    todo = [root]
    while todo:
        for child in listed.get(todo.pop(), ()):
            if child.username not in found:
                found.add(child.username)
                todo.append(child.username)
    return found


def _place_below(
    start: str, listed: Mapping[str, Sequence[Partner]], placed: dict[str, Partner]
) -> None:
    """Breadth-first from ``start``: every partner not yet placed gets its parent and depth."""
    level = [placed[start]]
    while level:
        following: list[Partner] = []
        for parent in level:
            for child in listed.get(parent.username, ()):
                if child.username in placed:
                    continue  # a repeat, or a cycle back up the tree
                node = Partner(
                    child.username, child.name, child.company, parent.username, parent.depth + 1
                )
                placed[child.username] = node
                following.append(node)
        level = following
