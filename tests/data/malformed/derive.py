#!/usr/bin/env python3
"""Derives the malformed project files in this folder from ../small_project.ron.

Each file breaks exactly one thing. Run from this folder after regenerating small_project.ron
(`PACKWRIGHT_BLESS=1 cargo test --no-default-features --test presets`); `tests/malformed.rs` states
the expected message for each, with the line and column of the problem.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE = (HERE.parent / "small_project.ron").read_text()


def once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, f"not found: {old!r}"
    return text.replace(old, new, 1)


def write(name: str, text) -> None:
    path = HERE / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


# Load errors ----------------------------------------------------------------------------------
write("wrong_type.ron", once(BASE, "capacity_ah: 50.0,", 'capacity_ah: "fifty",'))
write("unknown_field.ron", once(BASE, "capacity_ah: 50.0,", "capacity_ah: 50.0,\n        colour: \"blue\","))
write("missing_field.ron", once(BASE, "        mass_g: 850.0,\n", ""))
write("truncated.ron", BASE[: len(BASE) // 2])
write("future_version.ron", once(BASE, "format_version: 1,", "format_version: 99,"))
write("empty.ron", "")
write("whitespace_only.ron", "\n   \n\t\n")
# A PNG signature followed by non-UTF-8 bytes: what you get opening an image by mistake.
write("binary_garbage.ron", bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0xFF, 0xFE, 0x80, 0x81]))
write("number_too_large.ron", once(BASE, "series: 3,", "series: 4294967296,"))
write("unknown_enum_variant.ron", once(BASE, "family: LiMetal,", "family: Lithium,"))
write("syntax_error.ron", once(BASE, "capacity_ah: 50.0,", "capacity_ah: 50.0 50.0,"))
write("dangling_link_node.ron", once(BASE, 'to: ("M2", Neg)', 'to: ("M9", Neg)'))
write("duplicate_node_id.ron", once(BASE, 'id: "K-"', 'id: "K+"'))
# Design errors: the file is well-formed, the design is not --------------------------------------
write("negative_dimension.ron", once(BASE, "thickness_mm: 27.0,", "thickness_mm: -27.0,"))
write("nan_value.ron", once(BASE, "mass_g: 850.0,", "mass_g: NaN,"))
write("dangling_cell.ron", once(BASE, 'cell: "pss50",', 'cell: "no_such_cell",'))
write(
    "shorted_wiring.ron",
    once(
        BASE,
        "        links: [Link(\n",
        "        links: [Link(\n"
        '            from: ("M2", Pos),\n'
        '            to: ("M2", Neg),\n'
        "            length_mm: 50.0,\n"
        "            cross_section_mm2: None,\n"
        "            material: Copper,\n"
        "        ), Link(\n",
    ),
)
