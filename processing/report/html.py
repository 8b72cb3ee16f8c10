"""The report as HTML: one page that a browser shows and Qt's rich-text engine prints to PDF.

Every value that comes from the data (township names, site ids, rejected rows, free text from the lab)
passes through ``esc()``; so does every translated text. Markup is only ever written by this module.
"""

from __future__ import annotations

import datetime as _dt
import html
from dataclasses import dataclass, field

from ...core.paths import resource
from ...translate import is_chinese, tr
from ..labels import compound_label
from ..styling import NO_DATA_COLOUR, SEVERITY_COLOURS, severity_label
from .data import ReportData, TownshipRow

CSS_PATH = resource("report", "report.css")


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.4g}" if abs(value) < 1e6 else f"{value:.3e}"


def count(value: int | None) -> str:
    return "–" if value is None else str(value)


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:+.0f}%"


def method_name(method: int | None) -> str:
    names = [tr("Natural breaks (Jenks)"), tr("Quantiles"), tr("Fixed thresholds"), tr("Equal interval")]
    if method is None or not 0 <= method < len(names):
        return tr("not stated")
    return names[method]


def nd_policy_text(policy: int | None) -> str:
    texts = [
        tr("Non-detects count as zero (the EMCDDA convention)."),
        tr("Non-detects count as half the detection limit (LOD/2, the US CDC NWSS practice)."),
        tr("Non-detects count as the detection limit divided by √2."),
        tr("Non-detects count as the detection limit (LOD)."),
        tr("Non-detects are left out of the township values."),
    ]
    if policy is None or not 0 <= policy < len(texts):
        return tr("The non-detect policy was not stated.")
    return texts[policy]


def unit_origin_text(origin: str) -> str:
    return {
        "field": tr("from the layer's unit field"),
        "medium": tr("the import's unit for the layer's medium"),
        "assumed": tr("the layer records no unit or medium: the import's unit for sewage is assumed"),
    }.get(origin, origin)


def GI_CAVEAT() -> str:
    return tr(
        "A Getis-Ord Gi* hot spot is a high neighbourhood, not a high township: the statistic sums the township and its "
        "neighbours, so a township with a modest value among high neighbours can be a hot spot, and a high township among "
        "low ones can be none. Read it with the township's own value and with local Moran's I, whose HL (high among low) "
        "and LH (low among high) clusters show such townships."
    )


def class_name(severity: int | None) -> str:
    return severity_label(severity) if severity in (1, 2, 3) else tr("No data")


def class_colour(severity: int | None) -> str:
    return SEVERITY_COLOURS.get(severity, NO_DATA_COLOUR)


def column_label(name: str) -> str:
    """Readable headers for the data-quality tables; other field names are shown as they are."""
    labels = {
        "source_row": tr("Row"),
        "reason": tr("Reason"),
        "column": tr("Column"),
        "value": tr("Value"),
        "raw_row": tr("Row as written"),
        "site_id": tr("Site"),
        "round": tr("Round"),
        "compound": tr("Compound"),
        "raw_value": tr("Value as written"),
    }
    return labels.get(name, name)


def heading(text: str) -> str:
    return "<h2>" + esc(text) + "</h2>"


def load_css() -> str:
    try:
        with open(CSS_PATH, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return ""


@dataclass
class AtlasPage:
    heading: str
    image: str  # key into the images mapping
    rows: list[TownshipRow] = field(default_factory=list)
    note: str = ""


class Tables:
    """Counts the tables of one page build, and splits a table before the rows listed in ``breaks``
    ((table, row) pairs, as render.write_pdf finds rows cut by a page boundary): the rest of the table starts
    on a new page under its header again, so no row is ever printed half on one page and half on the next."""

    def __init__(self, breaks: set[tuple[int, int]] | None = None):
        self.breaks = breaks or set()
        self.count = 0
        self.physical: list[tuple[int, int]] = []  # for each <table> written: (table, first row)


_TABLES = Tables()


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None, colours: list[str] | None = None) -> str:
    """headers and cells are already-escaped HTML fragments."""
    numeric = numeric or set()
    tables = _TABLES
    index = tables.count
    tables.count += 1
    tables.physical.append((index, 0))
    head = ["<thead><tr>", *(f"<th>{h}</th>" for h in headers), "</tr></thead>"]
    out = ['<table class="data" border="1" cellspacing="0" cellpadding="4" width="100%">', *head, "<tbody>"]
    for r, cells in enumerate(rows):
        if r and (index, r) in tables.breaks:
            out.append("</tbody></table>")
            out.append('<table class="data" border="1" cellspacing="0" cellpadding="4" width="100%" style="page-break-before: always">')
            out += [*head, "<tbody>"]
            tables.physical.append((index, r))
        out.append("<tr>")
        for c, cell in enumerate(cells):
            attrs = ' class="num" align="right"' if c in numeric else ""
            if colours and c == 1 and colours[r]:
                attrs += f' bgcolor="{colours[r]}"'
            out.append(f"<td{attrs}>{cell}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def township_table(rows: list[TownshipRow], value_field: str) -> str:
    headers = [
        esc(tr("Township")),
        esc(tr("Class")),
        esc(tr("Samples")),
        esc(tr("Detected")),
        esc(tr("Mean")),
        esc(tr("Median")),
        esc(tr("Maximum")),
    ]
    body = [
        [
            esc(r.name),
            esc(class_name(r.severity)),
            count(r.n_samples),
            count(r.n_detected),
            number(r.mean),
            number(r.median),
            number(r.max),
        ]
        for r in rows
    ]
    return _table(headers, body, numeric={2, 3, 4, 5, 6}, colours=[class_colour(r.severity) for r in rows])


def _image(images: dict[str, str], key: str, width: int) -> str:
    src = images.get(key)
    if not src:
        return ""
    return f'<p align="center"><img src="{esc(src)}" width="{width}" /></p>'


def build_html(
    data: ReportData,
    images: dict[str, str],
    atlas: list[AtlasPage] | None = None,
    image_width: int = 640,
    breaks: set[tuple[int, int]] | None = None,
) -> str:
    return build_pages(data, images, atlas, image_width, breaks)[0]


def _left_out_rows(total: int | None, headers: list[str], rows: list[list[str]], not_given: str, count_text: str) -> list[str]:
    """A data-quality paragraph: how many rows were left out ({n} in ``count_text``) and a table of the first ones;
    ``not_given`` when the layer was not given to the report (total None)."""
    if total is None:
        return ["<p>" + esc(not_given) + "</p>"]
    parts = ["<p>" + esc(count_text.format(n=total)) + "</p>"]
    if rows:
        parts.append(_table([esc(column_label(h)) for h in headers], [[esc(c) for c in row] for row in rows]))
        if total > len(rows):
            parts.append('<p class="note">' + esc(tr("First {n} shown.").format(n=len(rows))) + "</p>")
    return parts


def build_pages(
    data: ReportData,
    images: dict[str, str],
    atlas: list[AtlasPage] | None = None,
    image_width: int = 640,
    breaks: set[tuple[int, int]] | None = None,
) -> tuple[str, list[tuple[int, int]]]:
    """The page, and for each <table> in it (table, first row): see Tables."""
    global _TABLES
    _TABLES = Tables(breaks)
    round_text = ", ".join(data.rounds) or tr("not stated")
    compound_text = ", ".join(compound_label(c) for c in data.compounds) or tr("not stated")
    lang = "zh-CN" if is_chinese() else "en"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8" />',
        f"<title>{esc(data.title)}</title>",
        f"<style>{load_css()}</style></head><body>",
        f"<h1>{esc(data.title)}</h1>",
        '<p class="meta">'
        + esc(tr("Round: {rounds}").format(rounds=round_text))
        + " · "
        + esc(tr("Compound: {compounds}").format(compounds=compound_text))
        + " · "
        + esc(tr("Report date: {date}").format(date=_dt.date.today().isoformat()))
        + "</p>",
    ]

    counts = data.class_counts()
    parts.append(heading(tr("Summary")))
    parts.append(
        "<p>"
        + esc(
            tr("Of {n} townships, {severe} are severe, {fairly} fairly severe and {general} general; {none} have no usable value.").format(
                n=len(data.rows), severe=counts[3], fairly=counts[2], general=counts[1], none=counts[None]
            )
        )
        + "</p>"
    )
    severe = [r.name for r in data.rows if r.severity == 3]
    if severe:
        parts.append("<p>" + esc(tr("Severe: {names}.").format(names="、".join(severe) if is_chinese() else ", ".join(severe))) + "</p>")

    parts.append(heading(tr("Severity map")))
    parts.append(_image(images, "map", image_width))

    parts.append(heading(tr("Townships by class")))
    parts.append(
        '<p class="note">'
        + esc(
            tr("Values in {unit} ({origin}). The class follows the “{field}” value.").format(
                unit=data.unit or tr("no unit given"), origin=unit_origin_text(data.unit_origin), field=data.value_field
            )
        )
        + "</p>"
    )
    parts.append(township_table(data.rows, data.value_field))

    parts.append(heading(tr("Changes since the last round")))
    if data.changes:
        current = data.rounds[-1] if data.rounds else ""
        parts.append(
            "<p>"
            + esc(
                tr("{previous} → {current}, township values (“{field}”, {unit}).").format(
                    previous=data.previous_round, current=current, field=data.value_field, unit=data.unit
                )
            )
            + "</p>"
        )
        rows = []
        for change in data.changes:
            pct = change.change_pct
            css = "up" if pct is not None and pct > 0 else ("down" if pct is not None and pct < 0 else "")
            rows.append([esc(change.name), number(change.previous), number(change.current), f'<span class="{css}">{percent(pct)}</span>'])
        parts.append(
            _table(
                [esc(tr("Township")), esc(data.previous_round), esc(current), esc(tr("Change"))],
                rows,
                numeric={1, 2, 3},
            )
        )
    elif data.history:
        parts.append("<p>" + esc(tr("The data hold no round before this one: there is no change to show yet.")) + "</p>")
    else:
        parts.append("<p>" + esc(tr("No earlier rounds were given to the report (HISTORY), so changes are not shown.")) + "</p>")

    if data.history or data.trend_rows:
        # On its own page: the chart does not split, and the heading never sits alone at a page foot.
        parts.append('<h2 class="page" style="page-break-before: always">' + esc(tr("Trend over rounds")) + "</h2>")
        parts.append(
            '<p class="note">'
            + esc(
                tr("Township values (“{field}”) by round, in {unit}; dashed lines: the class breaks.").format(
                    field=data.value_field, unit=data.unit
                )
            )
            + "</p>"
        )
        parts.append(_image(images, "trend", image_width))
        if data.trend_rows:
            rows = [
                [esc(t.name), count(t.n_rounds), number(t.sen_slope), number(t.mk_p), percent(t.change_pct), esc(t.trend)]
                for t in data.trend_rows
            ]
            parts.append(
                _table(
                    [
                        esc(tr("Township")),
                        esc(tr("Rounds")),
                        esc(tr("Sen's slope per round")),
                        esc(tr("Mann-Kendall p")),
                        esc(tr("Change on the round before")),
                        esc(tr("Trend")),
                    ],
                    rows,
                    numeric={1, 2, 3, 4},
                )
            )
            parts.append(
                '<p class="note">'
                + esc(
                    tr(
                        "With 4 rounds the smallest possible two-sided Mann-Kendall p is 0.083, so no trend can be significant at 5% "
                        "before the fifth round: a missing trend is then a lack of evidence, not evidence of stability."
                    )
                )
                + "</p>"
            )

    parts.append(heading(tr("Methods")))
    parts.append("<p>" + esc(tr("Classification: {method}.").format(method=method_name(data.method))) + "</p>")
    if data.break_1 is not None and data.break_2 is not None:
        text = tr("General up to {b1}; fairly severe above {b1} up to {b2}; severe above {b2}.").format(
            b1=number(data.break_1), b2=number(data.break_2)
        )
        text += " " + tr("(Breaks in {unit}.)").format(unit=data.unit or tr("no unit given"))
        if data.breaks_inferred:
            text += " " + tr("(Breaks not given to the report: shown as the highest values in classes 1 and 2.)")
        parts.append("<p>" + esc(text) + "</p>")
    parts.append("<p>" + esc(nd_policy_text(data.nd_policy)) + "</p>")
    parts.append(
        '<p class="caveat">'
        + esc(
            tr(
                "A sewage sample stands for its upstream catchment, not for the point where it was taken, nor for the whole township. "
                "The class says where to look first; it is not a count of users."
            )
        )
        + "</p>"
    )

    if data.hotspots is not None:
        parts.append(heading(tr("Hot spots")))
        parts.append('<p class="caveat">' + esc(GI_CAVEAT()) + "</p>")
        if data.hotspots:
            rows = [[esc(h.name), esc(h.gi_bin_text), number(h.gi_z), esc(h.lisa_cluster)] for h in data.hotspots]
            parts.append(
                _table(
                    [esc(tr("Township")), esc(tr("Gi* hot spot")), esc(tr("Gi* z")), esc(tr("Local Moran cluster"))],
                    rows,
                    numeric={2},
                )
            )
        else:
            parts.append("<p>" + esc(tr("No township is a hot spot at 90% confidence or more.")) + "</p>")

    parts.append(heading(tr("Data quality")))
    parts += _left_out_rows(
        data.rejected_count,
        data.rejected_headers,
        data.rejected_rows,
        tr("Rejected rows: not given to the report."),
        tr("Rows of the lab table not imported: {n}."),
    )
    parts += _left_out_rows(
        data.unmatched_count,
        data.unmatched_headers,
        data.unmatched_rows,
        tr("Samples outside every township: not given to the report."),
        tr("Samples outside every township: {n}."),
    )
    missing = data.without_samples
    if missing:
        names = "、".join(missing) if is_chinese() else ", ".join(missing)
        parts.append("<p>" + esc(tr("Townships without samples ({n}): {names}.").format(n=len(missing), names=names)) + "</p>")
    else:
        parts.append("<p>" + esc(tr("Every township has samples.")) + "</p>")

    for page in atlas or []:
        parts.append(f'<h2 class="page" style="page-break-before: always">{esc(page.heading)}</h2>')
        if page.note:
            parts.append('<p class="note">' + esc(page.note) + "</p>")
        parts.append(_image(images, page.image, image_width))
        if page.rows:
            parts.append(township_table(page.rows, data.value_field))

    parts.append('<p class="note">' + esc(tr("Made with QGIS and wbe_surveillance.")) + "</p>")
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p), list(_TABLES.physical)
