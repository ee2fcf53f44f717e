"""The body of an article as typed blocks: a paragraph, a heading line, or a list.

These are the units of the seed format (see docs/seed-format.md) and of the article record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    kind: Literal["paragraph"] = "paragraph"


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    kind: Literal["heading"] = "heading"


@dataclass(frozen=True, slots=True)
class ListBlock:
    items: tuple[str, ...]
    kind: Literal["list"] = "list"


Block = Paragraph | Heading | ListBlock


def block_to_dict(block: Block) -> dict[str, Any]:
    if isinstance(block, ListBlock):
        return {"kind": "list", "items": list(block.items)}
    return {"kind": block.kind, "text": block.text}


def block_from_dict(data: dict[str, Any]) -> Block:
    kind = data.get("kind")
    if kind == "paragraph":
        return Paragraph(str(data["text"]))
    if kind == "heading":
        return Heading(str(data["text"]))
    if kind == "list":
        return ListBlock(tuple(str(item) for item in data["items"]))
    raise ValueError(f"unknown block kind {kind!r} in {data!r}")


def block_plain_text(block: Block) -> str:
    """The block's words as one string (list items joined by newlines), for body text and hashing."""
    if isinstance(block, ListBlock):
        return "\n".join(block.items)
    return block.text


def blocks_plain_text(blocks: tuple[Block, ...] | list[Block]) -> str:
    """The whole body as plain text: blocks separated by a blank line."""
    return "\n\n".join(block_plain_text(block) for block in blocks)
