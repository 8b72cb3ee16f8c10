"""Planning the next sampling round: where to put the points so that the search narrows round by round.

The network is the flow graph of core.network (edge i runs from ``up[i]`` to ``down[i]``; "both" edges can
be walked either way). A sample at a point measures every piece of line whose water reaches it.

**Cells.** A set of sampling points cuts a region of the network into *cells*: pieces of line that lie
upstream of exactly the same points. If a single source lies somewhere in the region, the next round's
results (which points are hot) tell in which cell it lies, no finer. The plan is therefore good when the
largest cell is small: with k points placed on a chain the best is k + 1 cells of equal measure, and with
2 points a round the stretch that can still hold the source shrinks to at most a third each round.
The measure is length, or population when a density (people per metre of line) is given.

- **Follow-up.** The *suspected stretch* of a hot sample is the network upstream of it, minus every
  branch upstream of a clean sample (a clean result clears all that drains to it). Points are placed in it
  so as to minimise the largest cell (then the sum of squared cells, the expected remaining measure for a
  source anywhere in the stretch with equal chance). The cell of pieces upstream of no point is a cell
  too: the points never leave a large stretch untested. No point lands outside the stretch, so never
  downstream of the hot sample nor in a branch shown clean.
- **Coverage.** The same placement on a township's network, with the points already there (the panel)
  fixed: the cell upstream of no point is the part of the network no sample covers, and the covered share
  is one minus its measure over the total.

The placement starts by cutting off, one point at a time, a stretch of 1/(k + 1) of the region from the
part not yet covered, then moves each point in turn to its best place given the others (coordinate
descent, exact: along a piece of line the cells change linearly, so the best offset is solved, not
searched). Without a network, :func:`spread_points` spreads points over an area by weighted k-means and
:func:`ring_points` places follow-up points at a distance around a hot sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import network as net
from .errors import CodedError

_EPS = 1e-9
EXACT_PAIR_LIMIT = 120  # where flow splits, 2 follow-up points are placed by exhaustive search up to this many lines


class PlanError(CodedError, ValueError):
    """A problem with the sampling plan's inputs (code and details, worded by processing/)."""


# -- reachability as bitsets -----------------------------------------------------------------------


def _flow_order(graph: net.Graph) -> np.ndarray:
    """Edges ordered by the flow rank of their upstream node (nodes on loops last), so that one pass carries
    most of what drains downstream."""
    return np.argsort(net.flow_rank(graph)[graph.up], kind="stable")


def drain_bits(graph: net.Graph, members) -> list[int]:
    """For every node, a bitset (Python int): bit j is set when water on edge ``members[j]`` reaches the node.
    Loops and "both" edges are carried round until nothing changes."""
    members = np.asarray(members, dtype=np.int64)
    bits = [0] * graph.n_nodes
    up, down, both = graph.up.tolist(), graph.down.tolist(), graph.both.tolist()
    for j, e in enumerate(members.tolist()):
        bits[down[e]] |= 1 << j
        if both[e]:
            bits[up[e]] |= 1 << j
    order = _flow_order(graph).tolist()
    changed = True
    while changed:
        changed = False
        for e in order:
            u, d = up[e], down[e]
            merged = bits[d] | bits[u]
            if merged != bits[d]:
                bits[d] = merged
                changed = True
            if both[e]:
                merged = bits[u] | bits[d]
                if merged != bits[u]:
                    bits[u] = merged
                    changed = True
    return bits


def bits_to_bool(value: int, n: int) -> np.ndarray:
    raw = np.frombuffer(value.to_bytes((n + 7) // 8 or 1, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:n].astype(bool)


def bool_to_bits(mask) -> int:
    mask = np.asarray(mask, dtype=bool)
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


def edge_row(graph: net.Graph, bits: list[int], e: int) -> int:
    """Bitset of the member edges whose water reaches a point inside edge ``e`` (its own bit is set when the
    whole edge drains to the point: a "both" edge, or an edge on a loop)."""
    row = bits[int(graph.up[e])]
    if graph.both[e]:
        row |= bits[int(graph.down[e])]
    return row


# -- the suspected stretches -------------------------------------------------------------------------


@dataclass
class Stretch:
    hot: int  # index (into the hot nodes) of the hot sample the stretch lies above
    edges: np.ndarray  # edges (whole) that can still hold the source
    explains: list  # indexes of the hot samples downstream whose result this stretch explains


class _Reach:
    """Which edges drain to a node, and whether water at one node reaches another: one pass down the flow
    forest per node asked (O(n), no n × n table), or reachability bitsets where flow splits."""

    def __init__(self, graph: net.Graph):
        self.graph = graph
        self.forest = flow_forest(graph)
        self._hits: dict[int, np.ndarray] = {}
        if self.forest is None:
            n_edges = graph.up.size
            self.bits = drain_bits(graph, np.arange(n_edges))
            self.leaving: dict[int, int] = {}
            for e in range(n_edges):
                self.leaving[int(graph.up[e])] = self.leaving.get(int(graph.up[e]), 0) | (1 << e)
                if graph.both[e]:
                    self.leaving[int(graph.down[e])] = self.leaving.get(int(graph.down[e]), 0) | (1 << e)
        else:
            f = self.forest
            self.edge_comp = np.where(f.internal, f.comp[graph.up], f.comp[graph.down])  # where each edge's water goes
            below = np.full(f.n, -1, dtype=np.int64)
            has_out = f.out_edge >= 0
            below[has_out] = f.comp[graph.down[f.out_edge[has_out]]]
            self.below = below.tolist()
            self.size = np.bincount(f.comp, minlength=f.n)

    def _hit(self, node: int) -> np.ndarray:
        """Per component: whether its water reaches ``node``'s component (components are numbered downstream first)."""
        target = int(self.forest.comp[node])
        hit = self._hits.get(target)
        if hit is None:
            below = self.below
            flags = [False] * self.forest.n
            flags[target] = True
            for c in range(target + 1, self.forest.n):
                d = below[c]
                if d >= 0 and flags[d]:
                    flags[c] = True
            hit = np.array(flags)
            self._hits[target] = hit
        return hit

    def drains(self, node: int) -> np.ndarray:
        """Bool per edge: its water reaches ``node``."""
        if self.forest is None:
            return bits_to_bool(self.bits[node], self.graph.up.size)
        return self._hit(node)[self.edge_comp]

    def reaches(self, a: int, b: int) -> bool:
        """Water at node a reaches node b (a ≠ b)."""
        if a == b:
            return False
        if self.forest is None:
            return bool(self.leaving.get(a, 0) & self.bits[b])
        ca, cb = int(self.forest.comp[a]), int(self.forest.comp[b])
        if ca == cb:
            return bool(self.size[ca] > 1)
        d = self.below[ca]
        return d >= 0 and bool(self._hit(b)[d])


def suspected_stretches(graph: net.Graph, hot_nodes, clean_nodes) -> list[Stretch]:
    """One stretch per hot sample with no other hot sample upstream of it: the edges draining to it minus
    every edge draining to a clean sample. A hot sample with another hot sample upstream is explained by
    it (single source per branch) and listed in that stretch's ``explains``."""
    hot_nodes = [int(n) for n in hot_nodes]
    reach = _Reach(graph)
    cleared = np.zeros(graph.up.size, dtype=bool)
    for node in clean_nodes:
        cleared |= reach.drains(int(node))
    out = []
    for i, h in enumerate(hot_nodes):
        # Explained by a hot sample strictly upstream; of hot samples that drain to each other (a loop, a
        # "both" line, or the same node) the first stands for all.
        skip = False
        for k, other in enumerate(hot_nodes):
            if k == i:
                continue
            up_of_h = other == h or reach.reaches(other, h)
            down_of_h = other == h or reach.reaches(h, other)
            if up_of_h and (not down_of_h or k < i):
                skip = True
                break
        if skip:
            continue
        edges = np.flatnonzero(reach.drains(h) & ~cleared)
        explains = [k for k, other in enumerate(hot_nodes) if k != i and (other == h or reach.reaches(h, other))]
        out.append(Stretch(i, edges, explains))
    return out


def consistent_edges(graph: net.Graph, hot_nodes, clean_nodes) -> np.ndarray:
    """Edges where a single source agrees with every result: upstream of every hot sample, of no clean one."""
    reach = _Reach(graph)
    keep = np.ones(graph.up.size, dtype=bool)
    for node in hot_nodes:
        keep &= reach.drains(int(node))
    for node in clean_nodes:
        keep &= ~reach.drains(int(node))
    return np.flatnonzero(keep)


def upstream_measure(graph: net.Graph, bits: list[int], weight: np.ndarray, edge: int, fraction: float) -> float:
    """Measure (Σ weight of the whole edges draining to it, and ``fraction`` of its own edge's weight) upstream
    of a point ``fraction`` of the way down ``edge``; ``bits`` over all edges (members = arange)."""
    n = weight.size
    row = edge_row(graph, bits, edge)
    mask = bits_to_bool(row, n)
    total = float(weight[mask].sum())
    if not mask[edge]:
        total += float(weight[edge]) * fraction
    return float(total)


# -- placement on a network region -------------------------------------------------------------------


@dataclass
class Placement:
    points: list  # (edge, offset from the upstream end) of each new point
    cells: np.ndarray  # measure of each cell of the region, placed and fixed points together
    uncovered: float  # measure of the cell upstream of no point
    total: float  # measure of the region


class _Region:
    """Member edges of a region, their reachability rows, and the pieces they are cut into by points."""

    def __init__(self, graph: net.Graph, length, members, density=None):
        self.graph = graph
        self.members = np.asarray(members, dtype=np.int64)
        self.length = np.asarray(length, dtype=float)[self.members]
        m = self.members.size
        self.density = np.ones(m) if density is None else np.asarray(density, dtype=float)
        self.bits = drain_bits(graph, self.members)
        self.index = {int(e): j for j, e in enumerate(self.members.tolist())}
        # Row j: which members drain to a point inside member j.
        self.rows = np.zeros((m, m), dtype=bool)
        for j, e in enumerate(self.members.tolist()):
            self.rows[j] = bits_to_bool(edge_row(graph, self.bits, e), m)

    def point_row(self, point) -> tuple[int, float, np.ndarray]:
        """(member index or -1, offset, row) of a point given as ("node", n) or (edge, t)."""
        kind, value = point[0], point[1]
        if kind == "node":
            return -1, 0.0, bits_to_bool(self.bits[int(value)], self.members.size)
        e = int(kind)
        j = self.index.get(e, -1)
        if j >= 0:
            return j, float(value), self.rows[j]
        return -1, 0.0, bits_to_bool(edge_row(self.graph, self.bits, e), self.members.size)


def _pieces(region: _Region, points: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cuts: dict[int, list[float]] = {}
    for j, t, _row in points:
        if j >= 0:
            cuts.setdefault(j, []).append(t)
    pj, pa, pb = [], [], []
    for j in range(region.members.size):
        stops = [0.0, *sorted(t for t in cuts.get(j, []) if _EPS < t < region.length[j] - _EPS), float(region.length[j])]
        for a, b in zip(stops[:-1], stops[1:]):
            if b - a > _EPS:
                pj.append(j)
                pa.append(a)
                pb.append(b)
    return np.array(pj, dtype=np.int64), np.array(pa), np.array(pb)


def _membership(point, pj, pb) -> np.ndarray:
    j, t, row = point
    member = row[pj]
    if j >= 0:
        member = member | ((pj == j) & (pb <= t + 1e-7))
    return member


def _cell_ids(points: list, pj, pb) -> tuple[np.ndarray, int]:
    """Cell id of each piece (pieces upstream of the same points share an id); the id of the cell upstream
    of no point is returned too (-1 when there is none)."""
    if not points:
        return np.zeros(pj.size, dtype=np.int64), 0
    matrix = np.column_stack([_membership(p, pj, pb) for p in points])
    packed = np.packbits(matrix, axis=1)
    _unique, inverse = np.unique(packed, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    empty = np.flatnonzero(~matrix.any(axis=1))
    return inverse, int(inverse[empty[0]]) if empty.size else -1


def _cells(region: _Region, points: list) -> tuple[np.ndarray, float, float]:
    pj, pa, pb = _pieces(region, points)
    ids, empty = _cell_ids(points, pj, pb)
    measure = region.density[pj] * (pb - pa)
    sums = np.bincount(ids, weights=measure) if ids.size else np.zeros(0)
    uncovered = float(sums[empty]) if empty >= 0 else 0.0
    return sums, uncovered, float(measure.sum())


def _evaluate(region: _Region, base: list, mode: str, target: float = 0.0, chunk: int = 256, cover_first: bool = False):
    """Best place for one more point given ``base`` points. mode "minmax": smallest largest cell, then the
    smallest sum of squares; mode "cut": the point whose part of the uncovered cell is closest to ``target``.
    Returns (score tuple, point) or None."""
    pj, pa, pb = _pieces(region, base)
    if pj.size == 0:
        return None
    ids, empty = _cell_ids(base, pj, pb)
    n_ids = int(ids.max()) + 1
    measure = region.density[pj] * (pb - pa)
    quantum = max(float(measure.sum()) * 1e-3, 1e-9)
    best = None
    for start in range(0, pj.size, chunk):
        cand = np.arange(start, min(start + chunk, pj.size))
        cj, ca, cb = pj[cand], pa[cand], pb[cand]
        rows = region.rows[cj][:, pj]  # (C, Q)
        same = (pj[None, :] == cj[:, None]) & (pb[None, :] <= ca[:, None] + 1e-7)
        member = rows | same
        whole = region.rows[cj, cj]
        weights = np.broadcast_to(measure, member.shape).copy()
        own = ~whole
        weights[np.flatnonzero(own), cand[own]] = 0.0  # the own piece is handled exactly below
        keys = ids[None, :] * 2 + member
        flat = (np.arange(cand.size)[:, None] * (2 * n_ids) + keys).ravel()
        sums = np.bincount(flat, weights=weights.ravel(), minlength=cand.size * 2 * n_ids).reshape(cand.size, 2 * n_ids)
        d = region.density[cj]
        own_id = ids[cand]
        rows_c = np.arange(cand.size)
        a0 = sums[rows_c, own_id * 2 + 1]
        b0 = sums[rows_c, own_id * 2]
        span = cb - ca
        margin = np.minimum(0.5, span / 10.0)
        lo, hi = ca + margin, cb - margin
        if mode == "minmax":
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(d > 0, (b0 - a0 + d * (cb + ca)) / (2 * d), (ca + cb) / 2)
        else:
            zero_part = sums[rows_c, empty * 2 + 1] if empty >= 0 else np.zeros(cand.size)
            own_in_zero = own_id == empty
            base_a = np.where(own_in_zero, zero_part, zero_part)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(own_in_zero & (d > 0), ca + (target - base_a) / d, cb)
        t = np.where(whole, (ca + cb) / 2, np.clip(t, lo, hi))
        a_t = a0 + d * (t - ca)
        b_t = b0 + d * (cb - t)
        sums[rows_c[own], (own_id * 2 + 1)[own]] = a_t[own]
        sums[rows_c[own], (own_id * 2)[own]] = b_t[own]
        largest = sums.max(axis=1)
        squares = (sums**2).sum(axis=1)
        if mode == "minmax":
            # the uncovered part counts first, to a thousandth of the region (slivers at line ends aside)
            left = np.round(sums[rows_c, empty * 2] / quantum) if (cover_first and empty >= 0) else np.zeros(cand.size)
            order = np.lexsort((squares, np.round(largest, 9), left))
            c = int(order[0])
            score = (float(left[c]), round(float(largest[c]), 9), float(squares[c]))
        else:
            zero_part = sums[rows_c, empty * 2 + 1] if empty >= 0 else np.zeros(cand.size)
            miss = np.abs(zero_part - target)
            order = np.lexsort((squares, np.round(miss, 9)))
            c = int(order[0])
            score = (round(float(miss[c]), 9), 0.0, float(squares[c]))
        if best is None or score < best[0]:
            best = (score, (int(cj[c]), float(t[c])))
    return best


def place_points(graph: net.Graph, length, members, k: int, fixed=(), density=None, cover_first: bool = False) -> Placement:
    """Place ``k`` points on the member edges of ``graph`` (a region: a suspected stretch or a township's
    network) given ``fixed`` points (("node", n) or (edge, t)), so that the largest cell is as small as it can
    be. With ``cover_first`` (coverage) the part upstream of no point is made as small as possible first, and
    only then the largest cell; otherwise (follow-up) that part is a cell like the others.

    On a flow forest (every component drains by one line: drainage) the placement is exact and O(n log n)
    (:func:`_place_on_forest`); where flow splits, the bitset search below (quadratic) is used."""
    members = np.asarray(members, dtype=np.int64)
    if members.size == 0:
        raise PlanError("empty_region")
    forest = flow_forest(graph)
    if forest is None:
        return _place_points_bitsets(graph, length, members, k, fixed=fixed, density=density, cover_first=cover_first)
    region = _ForestRegion(graph, forest, length, members, density)
    return _place_on_forest(region, max(int(k), 0), list(fixed), cover_first)


def _lowest_max(lines_f: np.ndarray, box: tuple, ordered: bool) -> tuple[float, float, float]:
    """Smallest max_i (c_i + a_i u + b_i v) over u ∈ [u0, u1], v ∈ [v0, v1] (and u ≤ v when ``ordered``): a
    2-variable linear min-max, solved at the vertices of its arrangement. Returns (value, u, v)."""
    u0, u1, v0, v1 = box
    c, a, b = lines_f[:, 0], lines_f[:, 1], lines_f[:, 2]
    lines = [(1.0, 0.0, u0), (1.0, 0.0, u1), (0.0, 1.0, v0), (0.0, 1.0, v1)]
    if ordered:
        lines.append((1.0, -1.0, 0.0))
    n = c.size
    for i in range(n):
        for j in range(i + 1, n):
            lines.append((a[i] - a[j], b[i] - b[j], c[j] - c[i]))
    arr = np.array(lines)
    i, j = np.triu_indices(len(lines), 1)
    det = arr[i, 0] * arr[j, 1] - arr[j, 0] * arr[i, 1]
    ok = np.abs(det) > 1e-12
    i, j, det = i[ok], j[ok], det[ok]
    u = (arr[i, 2] * arr[j, 1] - arr[j, 2] * arr[i, 1]) / det
    v = (arr[i, 0] * arr[j, 2] - arr[j, 0] * arr[i, 2]) / det
    tol = 1e-9 * max(1.0, abs(u1), abs(v1))
    keep = (u >= u0 - tol) & (u <= u1 + tol) & (v >= v0 - tol) & (v <= v1 + tol)
    if ordered:
        keep &= u <= v + tol
    u, v = np.clip(u[keep], u0, u1), np.clip(v[keep], v0, v1)
    if u.size == 0:
        u, v = np.array([u0]), np.array([max(v0, u0) if ordered else v0])
    values = (c[:, None] + a[:, None] * u[None, :] + b[:, None] * v[None, :]).max(axis=0)
    k = int(np.argmin(values))
    return float(values[k]), float(u[k]), float(v[k])


def _best_pair(region: _Region, fixed_rows: list):
    """The exact best 2 new points (smallest largest cell) on a region where flow splits: every pair of pieces,
    and on each pair the cells move linearly with the two offsets (a 2-variable min-max). O(m³): only for small
    regions. Returns (largest cell, [(member index, offset), (member index, offset)]) or None."""
    pj, pa, pb = _pieces(region, fixed_rows)
    n = pj.size
    if n == 0:
        return None
    base, _empty = _cell_ids(fixed_rows, pj, pb)
    d = region.density[pj]
    w = d * (pb - pa)
    # upstream[p, q]: piece q drains to a point inside piece p (pieces of p's line above p included)
    upstream = region.rows[pj][:, pj] | ((pj[None, :] == pj[:, None]) & (pb[None, :] <= pa[:, None] + 1e-7))
    whole = np.diag(upstream).copy()
    span = pb - pa
    margin = np.minimum(0.5, span / 10.0)
    n_base = int(base.max()) + 1
    best = None
    for p1 in range(n):
        for p2 in range(p1, n):
            if p1 == p2 and whole[p1]:
                continue
            m1, m2 = upstream[p1].copy(), upstream[p2].copy()
            if p1 == p2:
                m2 = m1.copy()
            movers = [q for q in {p1, p2} if not whole[q]]
            fixed_mask = np.ones(n, dtype=bool)
            fixed_mask[movers] = False
            keys = base * 4 + 2 * m1 + m2
            sums = np.bincount(keys[fixed_mask], weights=w[fixed_mask], minlength=n_base * 4)
            funcs: dict[int, list[float]] = {}

            def add(key: int, const: float, du: float, dv: float, funcs=funcs, sums=sums) -> None:
                f = funcs.setdefault(key, [float(sums[key]), 0.0, 0.0])
                f[0] += const
                f[1] += du
                f[2] += dv

            if p1 == p2:  # point 1 above point 2 on one piece: [a, t1] both, [t1, t2] the lower only, [t2, b] neither
                b0 = int(base[p1]) * 4
                add(b0 + 3, 0.0, 1.0, 0.0)
                add(b0 + 1, 0.0, -1.0, 1.0)
                add(b0 + 0, float(w[p1]), 0.0, -1.0)
            else:
                if not whole[p1]:
                    k = int(base[p1]) * 4 + int(m2[p1])
                    add(k, float(w[p1]), -1.0, 0.0)
                    add(k + 2, 0.0, 1.0, 0.0)
                if not whole[p2]:
                    k = int(base[p2]) * 4 + 2 * int(m1[p2])
                    add(k, float(w[p2]), 0.0, -1.0)
                    add(k + 1, 0.0, 0.0, 1.0)
            rest = sums.copy()
            rest[list(funcs)] = 0.0
            u_box = (d[p1] * margin[p1], d[p1] * (span[p1] - margin[p1])) if not whole[p1] else (0.0, 0.0)
            v_box = (d[p2] * margin[p2], d[p2] * (span[p2] - margin[p2])) if not whole[p2] else (0.0, 0.0)
            if not funcs:
                value, u, v = float(rest.max()), u_box[0], v_box[0]
            else:
                value, u, v = _lowest_max(np.array(list(funcs.values())), (*u_box, *v_box), p1 == p2)
                value = max(value, float(rest.max()))
            if best is None or value < best[0] - 1e-9:
                t1 = pa[p1] + (u / d[p1] if d[p1] > 0 else span[p1] / 2)
                t2 = pa[p2] + (v / d[p2] if d[p2] > 0 else span[p2] / 2)
                best = (value, [(int(pj[p1]), float(t1)), (int(pj[p2]), float(t2))])
    return best


def _place_points_bitsets(
    graph: net.Graph, length, members, k: int, fixed=(), density=None, passes: int = 6, cover_first: bool = False
) -> Placement:
    """Place ``k`` points on the member edges of ``graph`` (a region: a suspected stretch or a township's
    network) given ``fixed`` points (("node", n) or (edge, t)), so that the cells are as even as possible.
    With ``cover_first`` (coverage) the part upstream of no point is made as small as possible first, and
    only then the largest cell; otherwise (follow-up) that part is a cell like the others."""
    members = np.asarray(members, dtype=np.int64)
    if members.size == 0:
        raise PlanError("empty_region")
    region = _Region(graph, length, members, density)
    fixed_rows = [region.point_row(p) for p in fixed]
    total = float((region.density * region.length).sum())
    if k <= 0 or total <= 0:
        sums, uncovered, _ = _cells(region, fixed_rows)
        return Placement([], sums, uncovered, total)
    _sums, uncovered, _ = _cells(region, fixed_rows)
    quantum = max(total * 1e-3, 1e-9)

    def objective(points):
        sums, left, _t = _cells(region, fixed_rows + points)
        return (round(left / quantum) if cover_first else 0.0, round(float(sums.max()), 9), float((sums**2).sum()))

    def better(score, current):
        if score[0] != current[0]:
            return score[0] < current[0]
        return score[1] < current[1] - 1e-9 or (score[1] <= current[1] + 1e-9 and score[2] < current[2] * (1 - 1e-9))

    def start(mode):
        placed: list = []
        for _ in range(k):
            found = _evaluate(region, fixed_rows + placed, mode, uncovered / (k + 1), cover_first=cover_first)
            if found is None:
                break
            j, t = found[1]
            placed.append((j, t, region.rows[j]))
        return placed

    def descend(placed):
        current = objective(placed)
        for _ in range(passes):
            improved = False
            for i in range(len(placed)):
                others = placed[:i] + placed[i + 1 :]
                found = _evaluate(region, fixed_rows + others, "minmax", cover_first=cover_first)
                if found is None:
                    continue
                j, t = found[1]
                trial = others[:i] + [(j, t, region.rows[j])] + others[i:]
                score = objective(trial)
                if better(score, current):
                    placed, current, improved = trial, score, True
            if not improved:
                break
        return placed, current

    # Two starts (cut off equal shares of what is uncovered; or one point after the other, each best
    # given those before), each improved point by point; the better plan is kept.
    placed, current = descend(start("cut"))
    other, score = descend(start("minmax"))
    if better(score, current):
        placed, current = other, score
    if k == 2 and not cover_first and members.size <= EXACT_PAIR_LIMIT:
        exact = _best_pair(region, fixed_rows)
        if exact is not None and exact[0] < current[1] - 1e-9:
            placed = [(j, t, region.rows[j]) for j, t in exact[1]]
    sums, uncovered, total = _cells(region, fixed_rows + placed)
    return Placement([(int(members[j]), t) for j, t, _row in placed], sums, uncovered, total)


# -- the fast path: the flow forest ---------------------------------------------------------------
#
# Drainage is a tree: every node sends its water down one line. Lines of unknown direction ("both") and
# directed loops make groups of nodes that all reach each other; each group (a strongly connected
# component) is one vertex, and the lines inside it are its *atoms*: a point anywhere on them measures the
# whole group. When every group sends its water down at most one line, the groups form a forest and the
# cells of any set of points follow from one pass from the heads down: what reaches a place without passing
# a point is a running sum along each line and at each confluence. The placement then bisects on the
# largest cell λ: for a given λ, cutting each line as far down as possible, and at a confluence cutting the
# branches that carry the most first (Kundu & Misra, 1977), uses the fewest points; the smallest λ that
# k points reach is the optimum. Each pass is O(n log n) in the lines; nothing is quadratic.


def strong_components(graph: net.Graph) -> np.ndarray:
    """Component of each node: nodes that reach each other along the flow (iterative Tarjan)."""
    n = graph.n_nodes
    heads = np.concatenate([graph.up, graph.down[graph.both]])
    tails = np.concatenate([graph.down, graph.up[graph.both]])
    order = np.argsort(heads, kind="stable")
    targets = tails[order].tolist()
    offsets = np.r_[0, np.cumsum(np.bincount(heads, minlength=n))].tolist()
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    comp = [-1] * n
    stack: list[int] = []
    counter = 0
    n_comp = 0
    for root in range(n):
        if index[root] >= 0:
            continue
        work = [(root, offsets[root])]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            node, pos = work[-1]
            if pos < offsets[node + 1]:
                work[-1] = (node, pos + 1)
                nxt = targets[pos]
                if index[nxt] < 0:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack[nxt] = True
                    work.append((nxt, offsets[nxt]))
                elif on_stack[nxt] and index[nxt] < low[node]:
                    low[node] = index[nxt]
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[node] < low[parent]:
                    low[parent] = low[node]
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    comp[member] = n_comp
                    if member == node:
                        break
                n_comp += 1
    return np.array(comp, dtype=np.int64)


@dataclass
class FlowForest:
    """The flow graph with each group of nodes that reach each other as one vertex, when that is a forest."""

    comp: np.ndarray  # component of each node
    n: int  # number of components
    internal: np.ndarray  # bool per edge: both ends in one component (an atom)
    out_edge: np.ndarray  # per component: the line its water leaves by, or -1 (an outlet)
    into: list  # per component: the lines (not atoms) that bring water to it
    order: list  # components, each before the one it drains to


def flow_forest(graph: net.Graph) -> FlowForest | None:
    """The forest of components, or None when water leaves some component by two lines (flow splits)."""
    comp = strong_components(graph)
    n = int(comp.max()) + 1 if comp.size else 0
    cu, cd = comp[graph.up], comp[graph.down]
    internal = cu == cd
    external = np.flatnonzero(~internal)
    if np.bincount(cu[external], minlength=n).max(initial=0) > 1:
        return None
    out_edge = np.full(n, -1, dtype=np.int64)
    out_edge[cu[external]] = external
    into: list[list[int]] = [[] for _ in range(n)]
    for e in external.tolist():
        into[int(cd[e])].append(e)
    # heads first: Tarjan numbers a component after every component it reaches, so reverse
    order = list(range(n - 1, -1, -1))
    return FlowForest(comp, n, internal, out_edge, into, order)


def _sweep(region: _ForestRegion, edge_points, comp_points, lam=None, limit=None):
    """One pass from the heads down, over a region (measure of each edge, 0 off the region; the member edges, on
    which a new point may go). ``edge_points``: edge → sorted offsets (from the upstream end) of the points on it;
    ``comp_points``: components with a point (on a node, or on an atom).

    Without ``lam``: returns (cells, uncovered, places, cell_of) — the measure of each point's cell, of the part
    upstream of no point, every stretch of a member line as (edge, a, b, measure reaching a, density, open-cell
    token), and the cell of a token (-1: upstream of no point). With ``lam``: adds the fewest points that keep
    every cell ≤ ``lam`` and returns them as [(edge, offset)], or None when that is impossible or needs more
    than ``limit``. Plain Python lists (region.lists): this loop runs once per bisection step."""
    length, member, margin, density, sliver, head, atom_weight, atom_member, out_edge, into, order = region.lists
    n_edges = len(length)
    last = [0.0] * n_edges  # offset of the lowest point on each edge
    residual = [0.0] * n_edges
    token_of_edge = [-1] * n_edges
    cells: list[float] = []
    new: list[tuple[int, float]] = []
    parent: list[int] = []  # union-find over open cells
    closed: dict[int, int] = {}
    places: list = []
    recording = lam is None
    top = 0.0 if lam is None else lam * (1 + 1e-12)
    limit = n_edges * 4 + 10 if limit is None else limit

    def fresh() -> int:
        parent.append(len(parent))
        return len(parent) - 1

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    uncovered = 0.0
    for c in order:
        acc = atom_weight[c]
        token = fresh() if recording else 0
        incoming = into[c]
        for e in incoming:
            acc += residual[e]
            if recording and token_of_edge[e] >= 0:
                parent[find(token_of_edge[e])] = find(token)
        e = out_edge[c]
        if not recording:
            # new points keep a margin from line ends: the first metres of the line below are in this cell
            room = top - head[c]
            if acc > room:
                cuttable = [
                    (residual[k] - sliver[k], k)
                    for k in incoming
                    if member[k] and residual[k] > sliver[k] and length[k] - margin[k] > last[k]
                ]
                cuttable.sort(reverse=True)
                for gain, k in cuttable:
                    if acc <= room:
                        break
                    new.append((k, length[k] - margin[k]))
                    acc -= gain
                    if len(new) > limit:
                        return None
                if acc > room:
                    return None
        elif atom_member[c] >= 0:
            places.append((atom_member[c], -1.0, -1.0, acc, 0.0, token))
        if c in comp_points:
            if recording:
                closed[find(token)] = len(cells)
                token = fresh()
            cells.append(acc)
            acc = 0.0
        if e < 0:
            uncovered += acc
            continue
        ln = length[e]
        d = density[e]
        r = acc
        prev = 0.0
        cut_here = not recording and member[e] and d > 0
        points_on = edge_points.get(e)
        for p in [*points_on, None] if points_on else (None,):
            stop = ln if p is None else min(max(p, 0.0), ln)
            if cut_here:
                while r + d * (stop - prev) > top:
                    cut = min(prev + max(lam - r, 0.0) / d, max(ln - margin[e], prev))
                    new.append((e, cut))
                    if len(new) > limit:
                        return None
                    r, prev = 0.0, cut
                    last[e] = cut
            if recording and member[e] and stop > prev:
                places.append((e, prev, stop, r, d, token))
            r += d * (stop - prev)
            prev = stop
            if p is not None:
                last[e] = prev
                if recording:
                    closed[find(token)] = len(cells)
                    token = fresh()
                cells.append(r)
                r = 0.0
        residual[e] = r
        token_of_edge[e] = token
    if not recording:
        return new if uncovered <= top else None
    return cells, uncovered, places, (lambda t: closed.get(find(t), -1))


class _ForestRegion:
    """A region (member edges, each with a measure) on a flow forest: what the sweep reads."""

    def __init__(self, graph: net.Graph, forest: FlowForest, length, members, density=None):
        self.graph = graph
        self.forest = forest
        self.length = np.asarray(length, dtype=float)
        members = np.asarray(members, dtype=np.int64)
        self.member = np.zeros(self.length.size, dtype=bool)
        self.member[members] = True
        self.weight = np.zeros(self.length.size)
        scale = 1.0 if density is None else np.asarray(density, dtype=float)
        self.weight[members] = self.length[members] * scale
        atoms = np.flatnonzero(forest.internal & self.member)
        atom_comp = forest.comp[graph.up[atoms]]
        self.atom_weight = np.bincount(atom_comp, weights=self.weight[atoms], minlength=forest.n).astype(float)
        self.atom_member = np.full(forest.n, -1, dtype=np.int64)
        self.atom_member[atom_comp] = atoms
        self.total = float(self.weight.sum())
        self.margin = np.minimum(0.5, self.length / 10.0)  # how close to a line end a new point may go (_inward)
        with np.errstate(divide="ignore", invalid="ignore"):
            density_m = np.where(self.length > 0, self.weight / self.length, 0.0)  # measure per metre
        sliver = density_m * self.margin
        out = forest.out_edge
        head = np.where((out >= 0) & self.member[np.maximum(out, 0)], sliver[np.maximum(out, 0)], 0.0)
        self.lists = (
            self.length.tolist(),
            self.member.tolist(),
            self.margin.tolist(),
            density_m.tolist(),
            sliver.tolist(),
            head.tolist(),
            self.atom_weight.tolist(),
            self.atom_member.tolist(),
            out.tolist(),
            forest.into,
            forest.order,
        )

    def locate(self, points) -> tuple[dict, set]:
        """Points (("node", n) or (edge, t)) → (edge → sorted offsets, components holding a point). A point on
        an atom, or at the very top of a line, measures its whole component."""
        edge_points: dict[int, list[float]] = {}
        comp_points: set[int] = set()
        for kind, value in points:
            if kind == "node":
                comp_points.add(int(self.forest.comp[int(value)]))
                continue
            e = int(kind)
            if self.forest.internal[e] or float(value) <= 0.0:
                comp_points.add(int(self.forest.comp[int(self.graph.up[e])]))
            else:
                edge_points.setdefault(e, []).append(min(float(value), float(self.length[e])))
        for offsets in edge_points.values():
            offsets.sort()
        return edge_points, comp_points

    def cells(self, points):
        """(cells, uncovered, places, cell_of) of a set of points: see _sweep."""
        edge_points, comp_points = self.locate(points)
        return _sweep(self, edge_points, comp_points)

    def cuts(self, points, lam: float, limit: int):
        edge_points, comp_points = self.locate(points)
        return _sweep(self, edge_points, comp_points, lam=lam, limit=limit)

    def best_single(self, points) -> tuple[tuple[float, float], tuple[int, float]] | None:
        """The best place for one more point given ``points``: the smallest largest cell, then the smallest sum
        of squared cells (the expected remaining measure). Along a line the new point's cell grows linearly,
        so on each stretch the best place is solved (half its cell), not searched: O(n)."""
        cells, uncovered, places, cell_of = self.cells(points)
        sizes = np.array([*cells, uncovered])  # the last: upstream of no point
        order = np.argsort(-sizes)
        first = int(order[0])
        second = float(sizes[order[1]]) if sizes.size > 1 else 0.0
        squares = float((sizes**2).sum())
        best = None
        for e, a, b, r, d, token in places:
            c = cell_of(token)
            c = sizes.size - 1 if c < 0 else c
            size = float(sizes[c])
            if a < 0:  # an atom: the point measures all that reaches its component
                where, measure = float(self.length[e]) / 2.0, r
            else:
                lo, hi = max(a, float(self.margin[e])), min(b, float(self.length[e] - self.margin[e]))
                if hi < lo:
                    continue
                step = (size / 2.0 - r) / d if d > 0 else 0.0
                where = min(max(a + step, lo), hi)
                measure = r + d * (where - a)
            rest = second if c == first else float(sizes[first])
            score = (round(max(rest, measure, size - measure), 9), squares - size * size + measure * measure + (size - measure) ** 2)
            if best is None or score < best[0]:
                best = (score, (int(e), float(where)))
        return best


def _inward(length: float, t: float) -> float:
    """A new point stays a little inside its line (at most 0.5 m, a tenth of a short line): at a line end it
    would stand on the junction and measure the other branches too."""
    margin = min(0.5, length / 10.0)
    return min(max(t, margin), length - margin)


def _score(region: _ForestRegion, points, cover_first: bool) -> tuple[float, float, float]:
    """(uncovered in thousandths of the region when covering comes first, largest cell, sum of squares)."""
    cells, uncovered, _p, _c = region.cells(points)
    sizes = np.array([*cells, uncovered])
    left = round(uncovered / max(region.total * 1e-3, 1e-9)) if cover_first else 0.0
    return left, round(float(sizes.max()), 9), float((sizes**2).sum())


def _polish(region: _ForestRegion, fixed: list, new: list, passes: int, cover_first: bool) -> list:
    """Move each new point in turn to its best place given the others (never raising the largest cell, and
    lowering the sum of squares): the bisection fixes the largest cell, this evens out the others."""
    current = _score(region, fixed + new, cover_first)
    for _ in range(passes):
        improved = False
        for i in range(len(new)):
            others = new[:i] + new[i + 1 :]
            found = region.best_single(fixed + others)
            if found is None:
                continue
            trial = others[:i] + [found[1]] + others[i:]
            score = _score(region, fixed + trial, cover_first)
            if score[:2] <= current[:2] and score[2] < current[2] * (1 - 1e-9):
                new, current, improved = trial, score, True
        if not improved:
            break
    return new


def _place_on_forest(region: _ForestRegion, k: int, fixed: list, cover_first: bool, passes: int = 4) -> Placement:
    points = list(fixed)
    new: list[tuple[int, float]] = []
    total = region.total
    if cover_first:
        # first as much as possible upstream of some point: a point at the foot of each largest uncovered part
        quantum = max(total * 1e-3, 1e-9)
        while len(new) < k:
            cells, uncovered, places, cell_of = region.cells(points + new)
            if uncovered < quantum:
                break
            foot = max(
                (
                    (r + d * (b - a) if a >= 0 else r, e, b if a >= 0 else region.length[e] / 2)
                    for e, a, b, r, d, t in places
                    if cell_of(t) == -1
                ),
                default=None,
            )
            if foot is None:
                break
            new.append((int(foot[1]), float(foot[2])))
    room = k - len(new)
    if room > 0:
        cells, uncovered, _p, _c = region.cells(points + new)
        hi = max([uncovered, *cells])
        lo = 0.0
        while hi - lo > 1e-10 * max(total, 1.0):
            mid = (lo + hi) / 2.0
            if region.cuts(points + new, mid, room) is None:
                lo = mid
            else:
                hi = mid
        found = region.cuts(points + new, hi, room) or []
        new += found
        while len(new) < k:
            extra = region.best_single(points + new)
            if extra is None:
                break
            new.append(extra[1])
        new = _polish(region, points, new, passes, cover_first)
    new = [(e, _inward(float(region.length[e]), t)) for e, t in new]
    cells, uncovered, _p, _c = region.cells(points + new)
    values = [c for c in cells if c > _EPS] + ([uncovered] if uncovered > _EPS else [])
    return Placement([(int(e), float(t)) for e, t in new], np.array(values), float(uncovered), total)


def points_needed(graph: net.Graph, length, members, share: float = 1 / 3, fixed=(), density=None, limit: int = 50) -> int | None:
    """The fewest new points that leave no cell above ``share`` of the region (a follow-up: the part upstream
    of no point counts as a cell); None when no number up to ``limit`` does (a single line of unknown
    direction or a loop holding more than that share cannot be cut)."""
    members = np.asarray(members, dtype=np.int64)
    forest = flow_forest(graph)
    if forest is not None:
        region = _ForestRegion(graph, forest, length, members, density)
        found = region.cuts(list(fixed), share * region.total * (1 + 1e-9), limit)
        return None if found is None else len(found)
    total = None
    for k in range(1, min(limit, 12) + 1):
        plan = _place_points_bitsets(graph, length, members, k, fixed=fixed, density=density)
        total = plan.total
        if plan.cells.max() <= share * total * (1 + 1e-6):
            return k
    return None


def upstream_measures(graph: net.Graph, weight, points) -> np.ndarray:
    """The measure (Σ ``weight`` of the edges, a share of the point's own edge) that drains to each point, given
    as ("node", n) or (edge, fraction of the way down it), with ``weight`` per edge for the whole edge. One pass
    down the flow forest; where flow splits, by reachability bitsets."""
    weight = np.asarray(weight, dtype=float)
    forest = flow_forest(graph)
    out = np.zeros(len(points))
    if forest is not None:
        atoms = np.flatnonzero(forest.internal)
        below = np.bincount(forest.comp[graph.up[atoms]], weights=weight[atoms], minlength=forest.n).astype(float)
        for c in forest.order:
            e = int(forest.out_edge[c])
            if e >= 0:
                below[forest.comp[graph.down[e]]] += below[c] + weight[e]
        for i, (kind, value) in enumerate(points):
            if kind == "node":
                out[i] = below[forest.comp[int(value)]]
                continue
            e = int(kind)
            out[i] = below[forest.comp[graph.up[e]]] + (0.0 if forest.internal[e] else weight[e] * float(value))
        return out
    bits = drain_bits(graph, np.arange(weight.size))
    for i, (kind, value) in enumerate(points):
        if kind == "node":
            out[i] = float(weight[bits_to_bool(bits[int(value)], weight.size)].sum())
        else:
            out[i] = upstream_measure(graph, bits, weight, int(kind), float(value))
    return out


def split_edges(graph: net.Graph, length, points) -> tuple[net.Graph, np.ndarray, list[int], np.ndarray, np.ndarray]:
    """Cut edges at points (edge, offset from the upstream end): returns the new graph, the lengths of its
    edges, the node of each point, and for each new edge its original edge and its start offset."""
    length = np.asarray(length, dtype=float)
    cuts: dict[int, list[tuple[float, int]]] = {}
    for i, (e, t) in enumerate(points):
        cuts.setdefault(int(e), []).append((float(t), i))
    n_nodes = graph.n_nodes
    point_node = [-1] * len(points)
    up, down, both, new_len, origin, start = [], [], [], [], [], []
    for e in range(graph.up.size):
        stops = [(0.0, int(graph.up[e]))]
        for t, i in sorted(cuts.get(e, [])):
            if t <= _EPS:
                point_node[i] = int(graph.up[e])
                continue
            if t >= length[e] - _EPS:
                point_node[i] = int(graph.down[e])
                continue
            if abs(t - stops[-1][0]) <= _EPS:
                point_node[i] = stops[-1][1]
                continue
            stops.append((t, n_nodes))
            point_node[i] = n_nodes
            n_nodes += 1
        stops.append((float(length[e]), int(graph.down[e])))
        for (a, na), (b, nb) in zip(stops[:-1], stops[1:]):
            up.append(na)
            down.append(nb)
            both.append(bool(graph.both[e]))
            new_len.append(b - a)
            origin.append(e)
            start.append(a)
    new_graph = net.Graph(n_nodes, np.array(up, dtype=np.int64), np.array(down, dtype=np.int64), np.array(both, dtype=bool))
    return new_graph, np.array(new_len), point_node, np.array(origin, dtype=np.int64), np.array(start)


# -- without a network --------------------------------------------------------------------------------


def spread_points(xy, weight, k: int, fixed=(), iterations: int = 50) -> np.ndarray:
    """``k`` new points among the candidate places ``xy`` (cell centres inside a township), spread so that
    each stands for an equal share of the weight (area or population): weighted k-means (Lloyd), each
    centre moved to the candidate nearest its cluster's weighted centroid; ``fixed`` points stay.
    Deterministic: it starts from the place farthest (weighted) from every point so far."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    weight = np.asarray(weight, dtype=float)
    fixed = np.asarray(fixed, dtype=float).reshape(-1, 2)
    if xy.shape[0] == 0 or k <= 0:
        return np.zeros((0, 2))
    w = np.where(weight > 0, weight, 0.0)
    if w.sum() <= 0:
        w = np.ones_like(w)
    chosen: list[int] = []
    centres = [*fixed]
    for _ in range(min(k, xy.shape[0])):
        if centres:
            d2 = ((xy[:, None, :] - np.asarray(centres)[None, :, :]) ** 2).sum(axis=2).min(axis=1)
        else:
            d2 = ((xy - np.average(xy, axis=0, weights=w)) ** 2).sum(axis=1)
            d2 = d2.max() - d2  # the first point nearest the weighted centre
        score = w * d2
        score[chosen] = -1.0
        pick = int(np.argmax(score))
        chosen.append(pick)
        centres.append(xy[pick])
    free = xy[chosen].copy()
    for _ in range(iterations):
        centres = np.vstack([fixed, free])
        nearest = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        moved = free.copy()
        for i in range(free.shape[0]):
            mine = nearest == fixed.shape[0] + i
            if not mine.any() or w[mine].sum() <= 0:
                continue
            centroid = np.average(xy[mine], axis=0, weights=w[mine])
            inside = np.flatnonzero(mine)
            moved[i] = xy[inside[((xy[inside] - centroid) ** 2).sum(axis=1).argmin()]]
        if np.allclose(moved, free):
            break
        free = moved
    return free


def covered_share(xy, weight, points, radius: float) -> float:
    """Share of the weight (area or population) within ``radius`` of a point."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    weight = np.asarray(weight, dtype=float)
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    total = float(weight.sum())
    if total <= 0 or points.shape[0] == 0:
        return 0.0
    d2 = ((xy[:, None, :] - points[None, :, :]) ** 2).sum(axis=2).min(axis=1)
    return float(weight[d2 <= radius * radius].sum() / total)


def ring_points(centre, k: int, radius: float, away_from=None) -> np.ndarray:
    """``k`` points at ``radius`` around a hot sample, at equal angles; the first points straight away from
    ``away_from`` (the nearest clean sample), so that none is placed towards a place shown clean."""
    cx, cy = float(centre[0]), float(centre[1])
    start = 0.0
    if away_from is not None:
        start = float(np.arctan2(cy - away_from[1], cx - away_from[0]))
    if k <= 0:
        return np.zeros((0, 2))
    if away_from is not None and k > 1:
        # spread over the half turn facing away from the clean sample
        angles = start + np.linspace(-np.pi / 2, np.pi / 2, k)
    else:
        angles = start + 2 * np.pi * np.arange(k) / k
    return np.column_stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)])
