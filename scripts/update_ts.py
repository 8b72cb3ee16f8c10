"""Refresh the zh_CN translation: extract every tr() string with pylupdate5, fill the translations from
i18n/zh_CN/*.json (source text → Chinese; one file per area so work does not collide),
and compile the .qm with lrelease.

    /usr/bin/python3 scripts/update_ts.py          # write .ts and .qm
    /usr/bin/python3 scripts/update_ts.py --check  # exit 1 and list strings without a translation
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from plugin_link import plugin_files

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGIN = REPO
TS = os.path.join(PLUGIN, "i18n", "wbe_surveillance_zh_CN.ts")
QM = os.path.join(PLUGIN, "i18n", "wbe_surveillance_zh_CN.qm")


def sources() -> list[str]:
    return sorted(str(p) for p in plugin_files() if p.suffix == ".py")


def translations() -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted(glob.glob(os.path.join(PLUGIN, "i18n", "zh_CN", "*.json"))):
        with open(path, encoding="utf-8") as handle:
            merged.update(json.load(handle))
    return merged


def extract() -> ET.ElementTree:
    with tempfile.TemporaryDirectory() as tmp:
        ts = os.path.join(tmp, "out.ts")
        subprocess.run(["pylupdate5", "-noobsolete", *sources(), "-ts", ts], check=True, capture_output=True)
        return ET.parse(ts)


def fill(tree: ET.ElementTree, table: dict[str, str]) -> list[str]:
    missing = []
    for message in tree.getroot().iter("message"):
        source = message.find("source").text or ""
        translation = message.find("translation")
        text = table.get(source)
        if text:
            translation.text = text
            translation.attrib.pop("type", None)
        else:
            translation.text = ""
            translation.set("type", "unfinished")
            missing.append(source)
        for location in message.findall("location"):
            # Locations point into a temporary folder and change with every edit: dropped for stable diffs.
            message.remove(location)
    return missing


def main() -> int:
    check = "--check" in sys.argv
    tree = extract()
    missing = fill(tree, translations())
    if missing:
        print(f"{len(missing)} strings have no zh_CN translation:")
        for text in missing:
            print("  " + json.dumps(text, ensure_ascii=False))
    if check:
        return 1 if missing else 0
    tree.getroot().set("language", "zh_CN")
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    subprocess.run(["lrelease", "-silent", TS, "-qm", QM], check=True)
    print(f"wrote {TS} and {QM}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
