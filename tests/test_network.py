"""core.network: orientation, parts, loops, local catchments and the confluence rule, on small graphs checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wbe_surveillance.core import network as net


def test_orient_swaps_backward_and_refuses_no_direction():
    graph = net.orient([0, 2], [1, 1], [net.FORWARD, net.BACKWARD])
    assert graph.up.tolist() == [0, 1] and graph.down.tolist() == [1, 2]
    with pytest.raises(net.NetworkError) as info:
        net.orient([0, 1], [1, 2], [net.BOTH, net.BOTH])
    assert info.value.code == "no_direction"


def test_parts_loops_and_divergences():
    # 0→1→2→0 is a loop, 2→3 lies below it; 4→5 is a separate part; 6→7, 6→8 splits.
    graph = net.orient([0, 1, 2, 2, 4, 6, 6], [1, 2, 0, 3, 5, 7, 8], [net.FORWARD] * 7)
    labels = net.components(graph)
    assert len(set(labels.tolist())) == 3
    assert labels[0] == labels[3] and labels[4] == labels[5] and labels[0] != labels[4]
    assert np.flatnonzero(net.nodes_on_loops(graph)).tolist() == [0, 1, 2, 3]
    assert net.divergences(graph).tolist() == [2, 6]


def test_local_catchments_stop_at_samples_and_count_heads():
    #  h0 →(e0) s1 →(e1) j ←(e2) h3 ;  j →(e3) s2 ; h5 →(e4) s1   (s1 has two heads above it)
    # nodes: h0=0, s1=1, j=2, h3=3, s2=4, h5=5
    graph = net.orient([0, 1, 3, 2, 5], [1, 2, 2, 4, 1], [net.FORWARD] * 5)
    catchments = net.local_catchments(graph, [1, 4])
    assert catchments[0].edges.tolist() == [0, 4] and catchments[0].upstream.size == 0 and catchments[0].heads == 2
    assert catchments[1].edges.tolist() == [1, 2, 3] and catchments[1].upstream.tolist() == [0] and catchments[1].heads == 1


def test_catchment_walks_a_loop_once_and_both_edges_either_way():
    # 0→1→2→1 (loop between 1 and 2 via edge 2: 2→1), 2→3; edge 3 (4—3) has no direction
    graph = net.orient([0, 1, 2, 2, 4], [1, 2, 1, 3, 3], [net.FORWARD, net.FORWARD, net.FORWARD, net.FORWARD, net.BOTH])
    (catchment,) = net.local_catchments(graph, [3])
    assert catchment.edges.tolist() == [0, 1, 2, 3, 4]
    assert catchment.heads == 2  # node 0 and node 4


def test_shared_node_is_refused():
    graph = net.orient([0], [1], [net.FORWARD])
    with pytest.raises(net.NetworkError) as info:
        net.local_catchments(graph, [1, 1])
    assert info.value.code == "shared_node" and info.value.details["samples"] == [[0, 1]]


def test_trace_max_and_flow_rules():
    catchments = [
        net.Catchment(np.array([0]), np.array([], dtype=np.int64), 1),  # a, top
        net.Catchment(np.array([1]), np.array([], dtype=np.int64), 1),  # b, top
        net.Catchment(np.array([2, 3]), np.array([0, 1]), 0),  # c below a and b
        net.Catchment(np.array([4]), np.array([2]), 0),  # d below c
    ]
    values = [10.0, 100.0, 90.0, 500.0]
    result = net.trace(values, catchments, ratio=2.0)
    assert result.expected[2] == 100.0 and math.isnan(result.expected[0])
    assert result.flagged.tolist() == [False, False, False, True]
    assert result.ratio[3] == pytest.approx(500 / 90)
    # with flows, c's prediction is the mix (9·10 + 1·100)/10 = 19: c rises ×4.7
    flowed = net.trace(values, catchments, ratio=2.0, flows=[9.0, 1.0, 10.0, 11.0])
    assert flowed.expected[2] == pytest.approx(19.0)
    assert flowed.flagged.tolist() == [False, False, True, True]
    assert flowed.rank.tolist() == [0, 0, 2, 1]  # d (×5.6) before c (×4.7)


def test_trace_zero_upstream_and_bad_flows():
    catchments = [net.Catchment(np.array([0]), np.array([], dtype=np.int64), 1), net.Catchment(np.array([1]), np.array([0]), 0)]
    result = net.trace([0.0, 5.0], catchments)
    assert math.isinf(result.ratio[1]) and result.flagged[1] and result.rank[1] == 1
    result = net.trace([0.0, 0.0], catchments)
    assert not result.flagged.any()
    with pytest.raises(net.NetworkError) as info:
        net.trace([1.0, 2.0], catchments, flows=[1.0, 0.0])
    assert info.value.code == "bad_flows" and info.value.details["samples"] == [1]


def test_line_length_and_point_along_by_hand():
    xy = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 10.0]])
    assert net.line_length(xy).tolist() == [0.0, 5.0, 11.0]
    assert net.point_along(xy, 2.5) == (1.5, 2.0)
    assert net.point_along(xy, 8.0) == (3.0, 7.0)
    assert net.point_along(xy, -1.0) == (0.0, 0.0) and net.point_along(xy, 99.0) == (3.0, 10.0)


def test_split_network_joins_ends_within_tolerance_and_cuts_at_samples():
    # A ─ B ─ C drawn as two parts whose shared end differs by 0.2 m; a third part B' → D.
    parts = [
        np.array([[0.0, 0.0], [100.0, 0.0]]),
        np.array([[100.2, 0.0], [200.0, 0.0]]),
        np.array([[100.1, 0.1], [100.0, 50.0]]),
    ]
    directions = [net.FORWARD, net.FORWARD, net.BACKWARD]
    # Samples: 40 m along part 0 (cuts it), at the start of part 1 (sits on the joined node), 25 m along part 2.
    snapped = [(0, 40.0), (1, 0.0), (2, 25.0)]
    pieces = net.split_network(parts, directions, snapped, tolerance=1.0)
    # Nodes in order of creation: A, B, the cut on part 0, (B joins B), C, (B' joins B), D, the cut on part 2.
    assert pieces.node_xy.shape == (6, 2)
    np.testing.assert_allclose(pieces.node_xy[[0, 1, 2, 3, 4]], [[0, 0], [100, 0], [40, 0], [200, 0], [100, 50]])
    assert pieces.sample_node.tolist() == [2, 1, 5]
    # Part 0 → two pieces (0–40, 40–100), part 1 whole, part 2 → two pieces.
    assert pieces.part.tolist() == [0, 0, 1, 2, 2]
    assert pieces.start.tolist() == [0, 2, 1, 1, 5] and pieces.end.tolist() == [2, 1, 3, 5, 4]
    assert pieces.direction.tolist() == [net.FORWARD, net.FORWARD, net.FORWARD, net.BACKWARD, net.BACKWARD]
    np.testing.assert_allclose(pieces.length, [40.0, 60.0, 99.8, 25.0, np.hypot(0.1, 49.9) - 25.0])
    assert [pieces.whole(i) for i in range(5)] == [False, False, True, False, False]
    # The cut on part 2 lies 25 m along it, on the drawn line.
    x, y = pieces.node_xy[5]
    assert math.isclose(math.hypot(x - 100.1, y - 0.1), 25.0) and math.isclose((x - 100.1) / -0.1, (y - 0.1) / 49.9)
    # Without tolerance the 0.2 m gap stays open: part 1 starts its own node.
    apart = net.split_network(parts, directions, snapped, tolerance=0.0)
    assert apart.start[2] != apart.end[1]


def test_split_network_then_trace_finds_the_planted_source():
    # main line S1 → S2 → S3 (flow forward, drawn in two parts that meet at the junction at x = 150), and a
    # side branch joining there, with a source on it.
    parts = [np.array([[0.0, 0.0], [150.0, 0.0]]), np.array([[150.0, 0.0], [300.0, 0.0]]), np.array([[150.0, 100.0], [150.0, 0.0]])]
    snapped = [(0, 50.0), (0, 120.0), (1, 100.0)]
    pieces = net.split_network(parts, [net.FORWARD] * 3, snapped, tolerance=0.5)
    graph = net.orient(pieces.start, pieces.end, pieces.direction)
    catchments = net.local_catchments(graph, pieces.sample_node)
    result = net.trace([10.0, 11.0, 40.0], catchments, ratio=2.0)
    assert result.flagged.tolist() == [False, False, True]
    # S3's stretch: 120→150 and 150→250 on the main line, and the whole side branch (100 m).
    assert math.isclose(float(pieces.length[catchments[2].edges].sum()), 30.0 + 100.0 + 100.0)
    assert catchments[2].upstream.tolist() == [1] and catchments[2].heads == 1


def test_site_means_average_in_order_of_first_appearance():
    sites, values, flows, counts = net.site_means(["b", "a", "b"], [1.0, 5.0, 3.0], [2.0, 4.0, 6.0])
    assert sites == ["b", "a"] and values.tolist() == [2.0, 5.0] and flows.tolist() == [4.0, 4.0]
    assert counts == {"b": 2, "a": 1}
    assert net.site_means(["x"], [1.0])[2] is None


def test_split_network_cuts_without_samples():
    # one 300 m line, a sample at 200 m, boundary cuts at 100 m and at 200 m (where the sample is)
    parts = [np.array([[0.0, 0.0], [300.0, 0.0]])]
    pieces = net.split_network(parts, [net.FORWARD], [(0, 200.0)], 0.0, cuts=[(0, 100.0), (0, 200.0 + 1e-9)])
    assert pieces.length.tolist() == pytest.approx([100.0, 100.0, 100.0])
    assert pieces.sample_node.size == 1  # only the samples get a node back
    assert pieces.node_xy[pieces.sample_node[0]].tolist() == pytest.approx([200.0, 0.0])
    assert not any(pieces.whole(i) for i in range(3))


def test_flow_rank_puts_every_node_after_what_drains_to_it():
    # 3 → 2 → 1 → 0, 4 → 1, and a loop 5 → 6 → 5 draining to 0
    graph = net.orient([3, 2, 1, 4, 5, 6, 6], [2, 1, 0, 1, 6, 5, 0], [net.FORWARD] * 7)
    rank = net.flow_rank(graph)
    for u, d in [(3, 2), (2, 1), (1, 0), (4, 1)]:
        assert rank[u] < rank[d]
    assert (rank[[5, 6, 0]] == graph.n_nodes).all()  # on or below the loop
    assert net.nodes_on_loops(graph).tolist() == [True, False, False, False, False, True, True]
