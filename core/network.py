"""A drainage network as a plain directed graph, and the search for the stretch where a source lies.

Nodes are integers 0…n_nodes−1; edge i runs from ``up[i]`` to ``down[i]`` in the flow direction. An edge
whose direction is unknown ("both", as QGIS's network analysis calls it) can be walked either way.

**The rule at confluences.** A sample measures everything upstream of it. The samples *just upstream* of a
sample s are those reached by walking up from s without passing another sample. Their values predict s:

- by default the prediction is their **maximum**: mixing clean or equally loaded water can only dilute, so
  without a new input s cannot exceed the most concentrated branch that reaches it;
- when a flow is known for every sample, the prediction is the **flow-weighted mix**
  Σ Qᵢ·Cᵢ / Σ Qᵢ of those samples (mass balance at the junction, unsampled inflow assumed clean enough to be
  ignored); it is never above the maximum, so it flags more readily.

s is flagged when C_s ≥ RATIO × prediction (and C_s > 0): the rise is more than the samples upstream can
explain. A sample with no sample upstream (only heads of branches) has no prediction and is not assessed.
The stretch of a flagged sample is every line between it and the samples just upstream, together with the
branches that reach it from heads with no sample: its local catchment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import CodedError

FORWARD, BACKWARD, BOTH = 0, 1, 2
MAXIMUM, FLOW_WEIGHTED = 0, 1


class NetworkError(CodedError, ValueError):
    """A problem with the sewer network or the samples on it (code and details, worded by processing/)."""


@dataclass
class Graph:
    n_nodes: int
    up: np.ndarray  # int64, node each edge comes from (upstream end)
    down: np.ndarray  # int64, node each edge flows to
    both: np.ndarray  # bool, direction unknown: walkable both ways
    _into: list[list[int]] = field(default_factory=list, repr=False)

    def __post_init__(self):
        into: list[list[int]] = [[] for _ in range(self.n_nodes)]
        for e, (u, d, b) in enumerate(zip(self.up.tolist(), self.down.tolist(), self.both.tolist())):
            into[d].append(e)
            if b:
                into[u].append(e)
        self._into = into

    def upstream_neighbours(self, node: int) -> list[tuple[int, int]]:
        """(edge, node upstream of it) for every edge that can bring water to ``node``."""
        out = []
        for e in self._into[node]:
            other = int(self.up[e]) if int(self.down[e]) == node else int(self.down[e])
            out.append((e, other))
        return out


def orient(start, end, direction) -> Graph:
    """Edges as digitised (start → end) with a direction each (FORWARD, BACKWARD, BOTH) → a flow graph.
    A network where no edge has a direction cannot be traced."""
    start = np.asarray(start, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64)
    direction = np.asarray(direction, dtype=np.int64)
    if start.size == 0:
        raise NetworkError("empty")
    if (direction == BOTH).all():
        raise NetworkError("no_direction", n_edges=int(start.size))
    backward = direction == BACKWARD
    up = np.where(backward, end, start)
    down = np.where(backward, start, end)
    n_nodes = int(max(up.max(), down.max())) + 1
    return Graph(n_nodes, up, down, direction == BOTH)


def components(graph: Graph) -> np.ndarray:
    """Connected part of each node, ignoring direction (union-find with path halving)."""
    parent = list(range(graph.n_nodes))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for u, d in zip(graph.up.tolist(), graph.down.tolist()):
        ru, rd = find(u), find(d)
        if ru != rd:
            parent[max(ru, rd)] = min(ru, rd)
    roots = np.array([find(a) for a in range(graph.n_nodes)], dtype=np.int64)
    return np.unique(roots, return_inverse=True)[1]


def flow_rank(graph: Graph) -> np.ndarray:
    """Each node's place in flow order along the edges with a direction (Kahn's algorithm): heads first, every
    node after the nodes that drain to it; nodes on a directed loop, or downstream of one, cannot be put in
    order and get ``n_nodes``. "Both" edges are left out: they are loops of length two by nature."""
    directed = ~graph.both
    up, down = graph.up[directed], graph.down[directed]
    indegree = np.bincount(down, minlength=graph.n_nodes)
    order = np.argsort(up, kind="stable")
    offsets = np.r_[0, np.cumsum(np.bincount(up, minlength=graph.n_nodes))]
    targets = down[order]
    rank = np.full(graph.n_nodes, graph.n_nodes, dtype=np.int64)
    queue = list(np.flatnonzero(indegree == 0))
    position = 0
    while queue:
        node = queue.pop()
        rank[node] = position
        position += 1
        for target in targets[offsets[node] : offsets[node + 1]].tolist():
            indegree[target] -= 1
            if indegree[target] == 0:
                queue.append(target)
    return rank


def nodes_on_loops(graph: Graph) -> np.ndarray:
    """Nodes on a directed loop, or downstream of one, among the edges with a direction: what cannot be put in
    flow order (:func:`flow_rank`)."""
    return flow_rank(graph) >= graph.n_nodes


def divergences(graph: Graph) -> np.ndarray:
    """Nodes where flow splits (more than one directed edge leaves): rare in drainage, common when lines
    were digitised against the flow."""
    directed = ~graph.both
    outdegree = np.bincount(graph.up[directed], minlength=graph.n_nodes)
    return np.flatnonzero(outdegree > 1)


# -- from drawn lines to a graph ---------------------------------------------------------------------------

EPS = 1e-6  # metres: a sample this close to a node sits on it


@dataclass
class Pieces:
    """The network cut into pieces between nodes: line ends (joined within a tolerance) and snapped samples.

    Piece i is the stretch ``a[i]…b[i]`` (distances along the drawing) of line part ``part[i]``, digitised
    from node ``start[i]`` to node ``end[i]``, with that part's direction."""

    start: np.ndarray  # int64
    end: np.ndarray  # int64
    part: np.ndarray  # int64
    a: np.ndarray  # float, metres along the part
    b: np.ndarray
    direction: np.ndarray  # int64: FORWARD, BACKWARD, BOTH
    node_xy: np.ndarray  # (n_nodes, 2)
    sample_node: np.ndarray  # int64, the node of each snapped sample
    part_length: np.ndarray  # float, each part's length

    @property
    def length(self) -> np.ndarray:
        return self.b - self.a

    def whole(self, i: int) -> bool:
        """Whether piece i is its whole part (no sample cuts it)."""
        return self.a[i] <= 0 and self.b[i] >= self.part_length[self.part[i]]


def line_length(xy: np.ndarray) -> np.ndarray:
    """Distance along a polyline at each vertex (0 at the first), summed vertex by vertex as QGIS does."""
    xy = np.asarray(xy, dtype=float)
    d = np.diff(xy[:, :2], axis=0)
    return np.concatenate([[0.0], np.cumsum(np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]))])


def point_along(xy: np.ndarray, distance: float) -> tuple[float, float]:
    """The point ``distance`` metres along a polyline (clamped to its ends)."""
    xy = np.asarray(xy, dtype=float)
    along = line_length(xy)
    if distance <= 0:
        return float(xy[0, 0]), float(xy[0, 1])
    if distance >= along[-1]:
        return float(xy[-1, 0]), float(xy[-1, 1])
    k = int(np.searchsorted(along, distance, side="right")) - 1
    t = (distance - along[k]) / (along[k + 1] - along[k])
    return float(xy[k, 0] + t * (xy[k + 1, 0] - xy[k, 0])), float(xy[k, 1] + t * (xy[k + 1, 1] - xy[k, 1]))


def split_network(parts: list, directions, snapped: list[tuple[int, float]], tolerance: float, cuts=()) -> Pieces:
    """Cut drawn line parts into the pieces of a graph.

    ``parts``: one (n, 2) vertex array per line part (metres); ``directions``: one per part; ``snapped``: for
    each sample, (part, distance along it) where it meets the network. Line ends closer than ``tolerance``
    share a node (ends are keyed on a grid of that size; 0 keys them to 1e-6 m). A sample within EPS of a line
    end or of the sample before it on the same part takes that node (local_catchments then refuses two
    samples on one node); any other sample cuts its part in two at a new node. ``cuts``: more (part, distance)
    places where the parts are cut, with no sample (township boundaries), under the same rules."""
    node_of: dict[tuple, int] = {}
    node_xy: list[tuple[float, float]] = []

    def node_at(x: float, y: float) -> int:
        key = (round(x / tolerance), round(y / tolerance)) if tolerance > 0 else (round(x, 6), round(y, 6))
        node = node_of.get(key)
        if node is None:
            node = len(node_xy)
            node_of[key] = node
            node_xy.append((x, y))
        return node

    at: dict[int, list[tuple[float, int]]] = {}
    for sample, (k, position) in enumerate([*snapped, *cuts]):
        at.setdefault(int(k), []).append((float(position), sample))
    sample_node = np.full(len(snapped) + len(cuts), -1, dtype=np.int64)
    start, end, part_of, a_of, b_of, direction_of, part_length = [], [], [], [], [], [], []
    for k, xy in enumerate(parts):
        xy = np.asarray(xy, dtype=float)
        length = float(line_length(xy)[-1])
        part_length.append(length)
        first = node_at(float(xy[0, 0]), float(xy[0, 1]))
        last = node_at(float(xy[-1, 0]), float(xy[-1, 1]))
        stops = [(0.0, first)]
        for position, sample in sorted(at.get(k, [])):
            if position <= EPS:
                sample_node[sample] = first
            elif position >= length - EPS:
                sample_node[sample] = last
            elif stops[-1][0] >= position - EPS and stops[-1][1] != first:
                sample_node[sample] = stops[-1][1]
            else:
                node = len(node_xy)
                node_xy.append(point_along(xy, position))
                stops.append((position, node))
                sample_node[sample] = node
        stops.append((length, last))
        for (a, na), (b, nb) in zip(stops[:-1], stops[1:]):
            start.append(na)
            end.append(nb)
            part_of.append(k)
            a_of.append(a)
            b_of.append(b)
            direction_of.append(int(directions[k]))
    return Pieces(
        np.array(start, dtype=np.int64),
        np.array(end, dtype=np.int64),
        np.array(part_of, dtype=np.int64),
        np.array(a_of, dtype=float),
        np.array(b_of, dtype=float),
        np.array(direction_of, dtype=np.int64),
        np.array(node_xy, dtype=float).reshape(-1, 2),
        sample_node[: len(snapped)],
        np.array(part_length, dtype=float),
    )


def site_means(sites, values, flows=None) -> tuple[list[str], np.ndarray, np.ndarray | None, dict[str, int]]:
    """One value (and flow) per site, in order of first appearance: the mean of the site's samples.
    Returns the sites, their values, their flows (or None) and how many samples each site had."""
    values = np.asarray(values, dtype=float)
    rows: dict[str, list[int]] = {}
    for i, site in enumerate(sites):
        rows.setdefault(site, []).append(i)
    names = list(rows)
    mean_values = np.array([float(np.mean(values[rows[s]])) for s in names])
    mean_flows = None
    if flows is not None:
        flows = np.asarray(flows, dtype=float)
        mean_flows = np.array([float(np.mean(flows[rows[s]])) for s in names])
    return names, mean_values, mean_flows, {s: len(r) for s, r in rows.items()}


@dataclass
class Catchment:
    edges: np.ndarray  # edges draining to the sample, up to the next samples upstream
    upstream: np.ndarray  # indexes (into the sample arrays) of the samples just upstream
    heads: int  # branch heads with no sample reached on the way up


def local_catchments(graph: Graph, sample_nodes) -> list[Catchment]:
    """For each sample node, walk upstream until samples or heads; loops are walked once."""
    sample_nodes = np.asarray(sample_nodes, dtype=np.int64)
    unique, counts = np.unique(sample_nodes, return_counts=True)
    if (counts > 1).any():
        shared = unique[counts > 1]
        raise NetworkError("shared_node", samples=[np.flatnonzero(sample_nodes == n).tolist() for n in shared])
    sample_at = {int(n): i for i, n in enumerate(sample_nodes.tolist())}
    out = []
    for start in sample_nodes.tolist():
        visited = {start}
        edges: set[int] = set()
        upstream: set[int] = set()
        heads = 0
        stack = [(start, -1)]
        while stack:
            node, arrived_by = stack.pop()
            neighbours = [(e, other) for e, other in graph.upstream_neighbours(node) if e != arrived_by]
            if not neighbours and node != start:
                heads += 1
            for e, other in neighbours:
                if e in edges:
                    continue
                edges.add(e)
                if other in sample_at and other != start:
                    upstream.add(sample_at[other])
                elif other not in visited:
                    visited.add(other)
                    stack.append((other, e))
        out.append(Catchment(np.array(sorted(edges), dtype=np.int64), np.array(sorted(upstream), dtype=np.int64), heads))
    return out


@dataclass
class Trace:
    expected: np.ndarray  # what the samples just upstream explain (NaN: no sample upstream)
    ratio: np.ndarray  # value / expected (inf when expected is 0 and the value is not; NaN: not assessed)
    flagged: np.ndarray  # bool
    rank: np.ndarray  # 1 = strongest rise among the flagged, 0 for the others


def trace(values, catchments: list[Catchment], ratio: float = 2.0, flows=None) -> Trace:
    """Flag the samples whose value rises by ``ratio`` or more over what the samples just upstream explain."""
    values = np.asarray(values, dtype=float)
    if not ratio > 0:
        raise NetworkError("bad_ratio", ratio=ratio)
    if np.isnan(values).any():
        raise NetworkError("missing_values", samples=np.flatnonzero(np.isnan(values)).tolist())
    use_flow = flows is not None
    if use_flow:
        flows = np.asarray(flows, dtype=float)
        bad = np.flatnonzero(~(flows > 0))
        if bad.size:
            raise NetworkError("bad_flows", samples=bad.tolist())
    n = values.size
    expected = np.full(n, np.nan)
    for s, catchment in enumerate(catchments):
        if catchment.upstream.size == 0:
            continue
        upstream_values = values[catchment.upstream]
        if use_flow:
            q = flows[catchment.upstream]
            expected[s] = float((q * upstream_values).sum() / q.sum())
        else:
            expected[s] = float(upstream_values.max())
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(expected > 0, values / expected, np.where(values > 0, np.inf, 1.0))
    rise[np.isnan(expected)] = np.nan
    flagged = (values > 0) & (rise >= ratio)
    flagged &= ~np.isnan(rise)
    rank = np.zeros(n, dtype=np.int64)
    order = np.lexsort((-values, -np.where(flagged, rise, -np.inf)))
    position = 1
    for s in order.tolist():
        if flagged[s]:
            rank[s] = position
            position += 1
    return Trace(expected, rise, flagged, rank)
